/**
 * A parser thread: answers each batch of files with their symbols (or of texts with their syntax
 * errors). A file that cannot be read or parsed gets an error of its own instead of failing the batch.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../log';
import { TagParser } from './parser';
import type { BatchRequest, BatchResponse, WorkerInit, WorkerJob, WorkerResult } from './protocol';

const parser = TagParser.create((workerData as WorkerInit).wasm);

async function parseOne(job: WorkerJob): Promise<WorkerResult> {
  try {
    if ('text' in job) return await (await parser).syntaxErrors(job.language, job.text);
    // Synchronous: the thread has nothing else to do meanwhile, and an await per file costs more than the read.
    const source = readFileSync(job.file, 'utf8');
    return { symbols: await (await parser).symbols(job.language, source) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

async function answer(request: BatchRequest): Promise<BatchResponse> {
  const results: WorkerResult[] = [];
  for (const job of request.jobs) results.push(await parseOne(job));
  return { id: request.id, results };
}

parentPort!.on('message', (request: BatchRequest) => {
  answer(request).then(
    (response) => parentPort!.postMessage(response),
    (error: unknown) => parentPort!.postMessage({ id: request.id, results: request.jobs.map(() => ({ error: errorMessage(error) })) }),
  );
});
