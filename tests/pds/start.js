// Start a PLC directory and a reference PDS on loopback for the Bluesky provider tests.
//
// Prints one line `{"ready": true, "pds": URL, "plc": URL, "adminPassword": ...}` once both
// answer, then runs until stdin closes or a signal arrives (so a killed pytest never leaves
// servers behind), and removes its temporary data directory on the way out.
'use strict'

// Quiet before the servers load: their loggers read this at import time, and stdout carries
// the ready line.
process.env.LOG_ENABLED = process.env.LOG_ENABLED || 'false'

const crypto = require('node:crypto')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

// Both servers call `app.listen(port)`, which binds every interface; a test server must
// never be reachable from outside, so a listen without a host gets the loopback address.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}

const ADMIN_PASSWORD = 'socialgit-admin'
// Tests sign an already-expired access token with it to get a real ExpiredToken answer.
const JWT_SECRET = 'socialgit-jwt-secret'

// The PDS has to know its own public URL (with the port) before it starts, so ports are
// picked first; the short window between closing and reusing one is acceptable for tests.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function main() {
  const { PlcServer, Database } = require('@did-plc/server')
  const pds = require('@atproto/pds')

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialgit-pds-'))
  const plcPort = await freePort()
  const pdsPort = await freePort()

  const plc = PlcServer.create({ db: Database.mock(), port: plcPort })
  await plc.start()
  const plcUrl = `http://localhost:${plcPort}`

  const env = {
    port: pdsPort,
    hostname: 'localhost', // public URL http://localhost:PORT, handles end in .test
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    jwtSecret: JWT_SECRET,
    adminPassword: ADMIN_PASSWORD,
    // Any 32 random bytes are a valid secp256k1 key but for a 2^-128 chance.
    plcRotationKeyK256PrivateKeyHex: crypto.randomBytes(32).toString('hex'),
    inviteRequired: false,
    serviceHandleDomains: ['.test'],
    // bsky.social answers createSession with the DID document; the provider reads its PDS
    // endpoint from there, so the test server does the same.
    enableDidDocWithSession: true,
    devMode: true,
    disableSsrfProtection: true,
  }
  const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env))
  await server.start()

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    try {
      await server.destroy()
    } catch (err) {
      process.stderr.write(`pds shutdown: ${err}\n`)
    }
    try {
      await plc.destroy()
    } catch (err) {
      process.stderr.write(`plc shutdown: ${err}\n`)
    }
    fs.rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.stdin.on('end', stop)
  process.stdin.on('error', stop)
  process.stdin.resume()

  process.stdout.write(
    JSON.stringify({
      ready: true,
      pds: `http://localhost:${pdsPort}`,
      plc: plcUrl,
      adminPassword: ADMIN_PASSWORD,
      jwtSecret: JWT_SECRET,
    }) + '\n',
  )
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
