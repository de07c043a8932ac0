import { describe, expect, it } from 'vitest';
import { MAX_ANSWER_CHARS, parseReviewOutput, topLevelObjects } from './review-output.ts';

const REVIEW = {
  summary: 'Adds a greeting. One bug.',
  verdict: 'request_changes',
  comments: [{ path: 'greet.js', line: 2, body: 'Off by one.' }],
};
const json = JSON.stringify(REVIEW, null, 2);

describe('parseReviewOutput', () => {
  it('reads a review in a ```json fence, with prose around it', () => {
    const r = parseReviewOutput(`I ran the tests.\n\n\`\`\`json\n${json}\n\`\`\`\n\nThat is all.`);
    expect(r).toEqual({ ok: true, review: REVIEW });
  });

  it('reads a bare fence and a bare answer', () => {
    expect(parseReviewOutput(`\`\`\`\n${json}\n\`\`\``)).toEqual({ ok: true, review: REVIEW });
    expect(parseReviewOutput(`  ${json}\n`)).toEqual({ ok: true, review: REVIEW });
  });

  it('finds the object in prose, after a stray unbalanced brace, and takes the last fenced review', () => {
    const prose = `The code has \`function f() {\` unclosed. Here is my review: ${json} Thanks.`;
    expect(parseReviewOutput(prose)).toEqual({ ok: true, review: REVIEW });
    const draft = { ...REVIEW, verdict: 'comment' };
    const two = `\`\`\`json\n${JSON.stringify(draft)}\n\`\`\`\nOn second thought:\n\`\`\`json\n${json}\n\`\`\``;
    expect(parseReviewOutput(two)).toEqual({ ok: true, review: REVIEW });
  });

  it('braces inside JSON strings do not end the object', () => {
    const tricky = { ...REVIEW, summary: 'Uses `{` and "}" in strings \\ }' };
    expect(parseReviewOutput(`Review: ${JSON.stringify(tricky)}`)).toEqual({ ok: true, review: tricky });
  });

  it('defaults missing comments to none', () => {
    expect(parseReviewOutput('{"summary": "Fine.", "verdict": "approve"}')).toEqual({
      ok: true,
      review: { summary: 'Fine.', verdict: 'approve', comments: [] },
    });
  });

  it('says why an answer is not a review', () => {
    const none = parseReviewOutput('Looks good to me!');
    expect(none).toEqual({ ok: false, error: 'no JSON object found in the answer' });
    const empty = parseReviewOutput('   ');
    expect(empty.ok).toBe(false);
    const syntax = parseReviewOutput('```json\n{"summary": "x", "verdict": \n```');
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.error).toMatch(/^not valid JSON/);
    const schema = parseReviewOutput('{"summary": "x", "verdict": "lgtm"}');
    expect(schema.ok).toBe(false);
    if (!schema.ok) expect(schema.error).toMatch(/does not match the review format: verdict/);
    const extra = parseReviewOutput('{"summary": "x", "verdict": "approve", "score": 3}');
    expect(extra.ok).toBe(false);
    const badLine = parseReviewOutput(
      '{"summary": "x", "verdict": "approve", "comments": [{"path": "a", "line": "3", "body": "b"}]}',
    );
    expect(badLine.ok).toBe(false);
    if (!badLine.ok) expect(badLine.error).toMatch(/comments\.0\.line/);
  });

  it('refuses a huge answer without looking into it, and bounds its error', () => {
    const huge = `${json}${' '.repeat(MAX_ANSWER_CHARS)}`;
    const r = parseReviewOutput(huge);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/over the 300000/);
    const many = parseReviewOutput(
      JSON.stringify({ summary: '', verdict: 'x', comments: Array.from({ length: 200 }, () => ({})) }),
    );
    expect(many.ok).toBe(false);
    if (!many.ok) expect(many.error.length).toBeLessThanOrEqual(1001);
  });

  it('scans deeply nested or unbalanced text in one pass', () => {
    const deep = `${'{'.repeat(100_000)}${'}'.repeat(100_000)}`;
    expect(topLevelObjects(deep)).toHaveLength(1);
    expect(topLevelObjects('{ "a": 1 } text { "b": "}" }')).toEqual(['{ "a": 1 }', '{ "b": "}" }']);
    expect(parseReviewOutput('{'.repeat(200_000)).ok).toBe(false);
  });
});
