// Reference peer for tests/providers/test_x_counting.py: one JSON string per input line,
// one {"weightedLength", "valid"} object per output line, from twitter-text's own parseTweet.
'use strict';

const readline = require('readline');
const { parseTweet } = require('twitter-text');

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
lines.on('line', (line) => {
  if (!line.trim()) return;
  const { weightedLength, valid } = parseTweet(JSON.parse(line));
  out.push(JSON.stringify({ weightedLength, valid }));
});
lines.on('close', () => {
  process.stdout.write(out.length ? out.join('\n') + '\n' : '');
});
