import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageParams } from '../../../server/providers/llm/anthropic/request';
import { assistantText, parseToolInput } from '../../../server/providers/llm/conversation';
import { ANTHROPIC_VENDOR } from '../../../server/providers/llm/anthropic';
import { chatMessages } from '../../../server/providers/llm/openai/request';
import { ToolCallAssembler } from '../../../server/providers/llm/openai/tool-calls';

describe('conversation helpers', () => {
  it('marks an interrupted answer with what the user heard', () => {
    assert.equal(assistantText({ role: 'assistant', text: 'Done.' }), 'Done.');
    assert.match(assistantText({ role: 'assistant', text: 'The test expects ', interrupted: true }), /^The test expects… \[interrupted: /);
    assert.match(assistantText({ role: 'assistant', text: '', interrupted: true }), /before hearing any of this answer/);
  });

  it('parses tool inputs that are JSON objects, and an empty string as no arguments', () => {
    assert.deepEqual(parseToolInput('{"path":"a.ts"}'), { path: 'a.ts' });
    assert.deepEqual(parseToolInput(''), {});
    assert.equal(parseToolInput('[1,2]'), undefined);
    assert.equal(parseToolInput('"a.ts"'), undefined);
    assert.equal(parseToolInput('{"path": '), undefined);
  });

  it('drops assistant turns with nothing to send, which both APIs refuse', () => {
    const history = [
      { role: 'user' as const, text: 'hi' },
      { role: 'assistant' as const, text: '  ' },
      { role: 'user' as const, text: 'hello?' },
    ];
    assert.deepEqual(
      messageParams(history).map((m) => m.role),
      ['user', 'user'],
    );
    assert.deepEqual(
      chatMessages(history).map((m) => m.role),
      ['user', 'user'],
    );
  });

  it('keeps tool results that follow a user message in their own Anthropic message', () => {
    const params = messageParams([
      { role: 'assistant', text: '', toolCalls: [{ id: 't1', name: 'x', input: {} }] },
      { role: 'tool', toolCallId: 't1', content: 'ok' },
      { role: 'user', text: 'and?' },
      { role: 'tool', toolCallId: 't2', content: 'late' },
    ]);
    assert.deepEqual(
      params.map((m) => [m.role, Array.isArray(m.content) ? m.content.length : 'text']),
      [
        ['assistant', 1],
        ['user', 1],
        ['user', 'text'],
        ['user', 1],
      ],
    );
  });
});

describe('Anthropic cache breakpoint at the end of the history', () => {
  const breakpoints = (params: unknown) => JSON.stringify(params).match(/"cache_control"/g)?.length ?? 0;

  it('has nothing to mark on a first turn, and marks the tool result before the newest user message', () => {
    assert.equal(breakpoints(messageParams([{ role: 'user', text: 'hi' }], 'ctx')), 0);
    const params = messageParams(
      [
        { role: 'user', text: 'open it' },
        { role: 'assistant', text: '', toolCalls: [{ id: 't1', name: 'open_file', input: {} }] },
        { role: 'tool', toolCallId: 't1', content: 'opened' },
        { role: 'user', text: 'thanks' },
      ],
      'ctx',
    );
    assert.deepEqual(params[2]!.content, [{ type: 'tool_result', tool_use_id: 't1', content: 'opened', cache_control: { type: 'ephemeral' } }]);
    assert.equal(breakpoints(params), 1);
    assert.deepEqual(params[3]!.content, [
      { type: 'text', text: 'ctx' },
      { type: 'text', text: 'thanks' },
    ]);
  });

  it('keeps the history identical from turn to turn, so the cached prefix matches', () => {
    const turn1 = [{ role: 'user' as const, text: 'why?' }];
    const turn2 = [...turn1, { role: 'assistant' as const, text: 'Because.' }, { role: 'user' as const, text: 'and then?' }];
    const turn3 = [...turn2, { role: 'assistant' as const, text: 'Then this.' }, { role: 'user' as const, text: 'ok' }];
    const second = messageParams(turn2, 'editor state 2');
    const third = messageParams(turn3, 'editor state 3');
    // Turn 2 writes the cache through "Because."; turn 3 starts with the same blocks.
    assert.deepEqual(
      JSON.stringify(third.slice(0, 2)).replaceAll(',"cache_control":{"type":"ephemeral"}', ''),
      JSON.stringify(second.slice(0, 2)).replaceAll(',"cache_control":{"type":"ephemeral"}', ''),
    );
  });
});

describe('OpenAI tool call assembly', () => {
  const fragment = (index: number, args: string, extra: { id?: string; name?: string } = {}) => ({
    index,
    ...(extra.id ? { id: extra.id } : {}),
    function: { arguments: args, ...(extra.name ? { name: extra.name } : {}) },
  });

  it('joins fragments by index, announcing each call once, in index order', () => {
    const calls = new ToolCallAssembler();
    const announced = [
      calls.add(fragment(1, '', { id: 'call_b', name: 'search' })),
      calls.add(fragment(0, '{"pa', { id: 'call_a', name: 'open' })),
      calls.add(fragment(0, 'th":"a.ts"}')),
      calls.add(fragment(1, '{"query":"x"}', { id: 'call_b', name: 'search' })),
    ];
    assert.deepEqual(announced, [{ id: 'call_b', name: 'search' }, { id: 'call_a', name: 'open' }, undefined, undefined]);
    assert.deepEqual(calls.finish(ANTHROPIC_VENDOR, 'toolUse', 100), [
      { id: 'call_a', name: 'open', input: { path: 'a.ts' } },
      { id: 'call_b', name: 'search', input: { query: 'x' } },
    ]);
  });

  it('gives a call without an id one, so its result can answer it', () => {
    const calls = new ToolCallAssembler();
    const announced = calls.add(fragment(0, '{}', { name: 'list_problems' }));
    assert.match(announced?.id ?? '', /^call_/);
    assert.equal(calls.finish(ANTHROPIC_VENDOR, 'end', 100)[0]?.id, announced?.id);
  });

  it('tells a call cut by the token limit from one with broken arguments', () => {
    const cut = new ToolCallAssembler();
    cut.add(fragment(0, '{"path": "src/ma', { id: 'c', name: 'open' }));
    assert.throws(() => cut.finish(ANTHROPIC_VENDOR, 'maxTokens', 64), /reached the 64-token limit in the middle of a call to the tool "open"/);
    assert.throws(() => cut.finish(ANTHROPIC_VENDOR, 'toolUse', 64), /called the tool "open" with input that is not a JSON object/);
  });
});
