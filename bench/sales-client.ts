// The counters of the sales_per_second bench, in their own process: reads { url, token, sales,
// counters, products, persons } on stdin, runs the sales, prints each sale's latency (ms) as JSON.
import { text } from 'node:stream/consumers';

interface Job {
  url: string;
  token: string;
  sales: number;
  counters: number;
  products: { tracePrefix: string }[];
  persons: string[];
}

const job = JSON.parse(await text(process.stdin)) as Job;

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${job.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${job.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const n = job.products.length;
const latencies: number[] = [];
let next = 0;
async function one(i: number): Promise<void> {
  const t = performance.now();
  const { id } = (await call('POST', '/api/sales', { counter: `counter-${i % job.counters}` })) as { id: number };
  for (let k = 0; k < 3; k++) {
    const box = 3 * i + k;
    const p = job.products[box % n]!;
    await call('POST', `/api/sales/${id}/items`, { code: `${p.tracePrefix}${String(Math.floor(box / n) + 1).padStart(13, '0')}` });
  }
  await call('PUT', `/api/sales/${id}/identity`, { certType: '01', certNo: job.persons[i % job.persons.length] });
  await call('POST', `/api/sales/${id}/settle`, { payment: 'insurance' });
  latencies.push(performance.now() - t);
}
await Promise.all(
  Array.from({ length: job.counters }, async () => {
    while (next < job.sales) await one(next++);
  }),
);
process.stdout.write(JSON.stringify(latencies));
