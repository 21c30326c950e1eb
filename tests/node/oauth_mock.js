// A second, independent OAuth 2.0 peer for the credentials tests: oauth2-mock-server.
// Prints {"port": N} once listening on 127.0.0.1 (port 0: any free one). Then reads one
// JSON command per line on stdin and answers {"ok": true} per line:
//   {"token": {"status": 500, "body": {...}}}  the next token response is replaced
//   {"userinfo": {"status": 401, "body": {...}}} the next userinfo response is replaced
// It is lenient (no client registry, no rotation checks): happy paths and forced failures.
'use strict'

const readline = require('node:readline')

async function main() {
  const { OAuth2Server } = await import('oauth2-mock-server')
  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  await server.start(0, '127.0.0.1')
  const port = server.address().port
  process.stdout.write(JSON.stringify({ port }) + '\n')
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    const command = JSON.parse(line)
    for (const [kind, event] of [['token', 'beforeResponse'], ['userinfo', 'beforeUserinfo']]) {
      if (command[kind]) {
        server.service.once(event, (response) => {
          response.statusCode = command[kind].status
          response.body = command[kind].body
        })
      }
    }
    process.stdout.write(JSON.stringify({ ok: true }) + '\n')
  }
  await server.stop()
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n')
  process.exit(1)
})
