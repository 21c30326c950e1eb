// Reference for providers/_atproto_text.py: @atproto/api's RichText, unresolved facets.
// stdin: one JSON string per line; stdout: one {"facets", "graphemes"} object per line.
// CommonJS with a dynamic import because @atproto/api ships only as an ES module.
'use strict'

const readline = require('node:readline')

// The reader splits lines with Python's str.splitlines(), which also breaks on U+0085, U+2028 and
// U+2029 that JSON.stringify leaves raw; escaping everything non-ASCII keeps one answer per line.
function asciiJson(value) {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'),
  )
}

async function main() {
  const { RichText } = await import('@atproto/api')
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  const out = []
  for await (const line of lines) {
    if (!line.trim()) continue
    const text = JSON.parse(line)
    const rt = new RichText({ text })
    rt.detectFacetsWithoutResolution()
    // A JSON round trip keeps only plain data, so what Python compares is exactly what would be
    // sent in a post record ($type keys included, no prototypes or undefined fields).
    const facets = JSON.parse(JSON.stringify(rt.facets ?? []))
    out.push(asciiJson({ facets, graphemes: rt.graphemeLength }))
  }
  // One write at the end: a pipe may not drain before exit if written line by line.
  process.stdout.write(out.length ? out.join('\n') + '\n' : '')
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n')
  process.exit(1)
})
