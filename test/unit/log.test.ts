import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, formatLine, redactText } from '../../server/log';

describe('log redaction', () => {
  it('masks key-shaped strings and bearer credentials in messages', () => {
    assert.equal(redactText('using sk-ant-api03-abcdefghijklmnopqrstuv now'), 'using [redacted] now');
    assert.equal(redactText('Authorization: Bearer abc.def-123456789'), 'Authorization: Bearer [redacted]');
    assert.equal(redactText('Token 0123456789abcdef0123456789abcdef01234567'), 'Token [redacted]');
    assert.equal(redactText('plain words stay'), 'plain words stay');
  });

  it('redacts sensitive field names whatever their value', () => {
    const line = formatLine('connect', { url: 'ws://127.0.0.1:1/live', token: 'abc', apiKey: 'x', count: 3 });
    assert.equal(line, 'connect {"url":"ws://127.0.0.1:1/live","token":"[redacted]","apiKey":"[redacted]","count":3}');
  });

  it('passes the level to the sink', () => {
    const lines: string[] = [];
    createLogger((level, line) => lines.push(`${level}:${line}`)).warn('careful', { secret: 's' });
    assert.deepEqual(lines, ['warn:careful {"secret":"[redacted]"}']);
  });
});
