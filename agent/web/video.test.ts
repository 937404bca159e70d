// A sale's video through the agent: a real camera stream (ffmpeg test source over RTSP/TCP) recorded in
// 10 s segments; a settled sale lists its segments and a snapshot hash, and /video returns a playable MP4
// whose sha256 is in a header.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from '../../device/camera/testcam.js';
import { AMOX, code, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';

let agent: RunningAgent;
let camera: TestCamera;
let tmp: { dir: string; cleanup: () => void };
const h = { authorization: `Bearer ${TOKENS.manager}`, 'content-type': 'application/json' };

beforeAll(async () => {
  tmp = tempDir();
  camera = await startTestCamera({ transport: 'tcp', path: 'counter1' });
  const config = testConfig(
    tmp.dir,
    `cameras:\n  - { id: cam-1, counter: counter-1, rtspUrl: "${camera.rtspUrl}", transport: tcp }\nvideo: { segmentSeconds: 10 }`,
  );
  agent = await startAgent({ config, demo: false, log: silentLog() });
  await fetch(`${agent.url}/api/catalog`, { method: 'POST', headers: h, body: JSON.stringify({ products: [{ ...AMOX, rx: false }] }) });
  const r = receipt();
  r.lines = [r.lines[0]!];
  await fetch(`${agent.url}/api/receipts`, { method: 'POST', headers: h, body: JSON.stringify(r) });
}, 60_000);
afterAll(async () => {
  await agent?.close();
  await camera?.stop();
  tmp.cleanup();
});

describe('video for each sale', () => {
  it('links the recorded segments and a snapshot to a settled sale and serves its clip', async () => {
    const health = (await (await fetch(`${agent.url}/api/health`, { headers: { authorization: `Bearer ${TOKENS.technician}` } })).json()) as {
      devices: { id: string; kind: string; state: string }[];
    };
    expect(health.devices).toContainEqual(expect.objectContaining({ id: 'cam-1', kind: 'camera' }));

    const { id } = (await (await fetch(`${agent.url}/api/sales`, { method: 'POST', headers: h, body: '{}' })).json()) as { id: number };
    expect((await fetch(`${agent.url}/api/sales/${id}/items`, { method: 'POST', headers: h, body: JSON.stringify({ code: code('8100003', 1) }) })).status).toBe(
      200,
    );
    expect((await fetch(`${agent.url}/api/sales/${id}/settle`, { method: 'POST', headers: h, body: JSON.stringify({ payment: 'self_pay' }) })).status).toBe(
      200,
    );

    // The open segment is linked when it closes (10 s segments).
    type View = { evidence: { video: { cameraId: string; sha256: string | null; broken: boolean }[]; snapshot: { sha256: string } | null } };
    let view: View | undefined;
    for (let i = 0; i < 60; i++) {
      view = (await (await fetch(`${agent.url}/api/sales/${id}`, { headers: h })).json()) as View;
      if (view.evidence.video.length > 0 && view.evidence.snapshot) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(view?.evidence.video[0]).toMatchObject({ cameraId: 'cam-1', broken: false, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(view?.evidence.snapshot?.sha256).toMatch(/^[0-9a-f]{64}$/);

    const clip = await fetch(`${agent.url}/api/sales/${id}/video`, { headers: h });
    expect(clip.status).toBe(200);
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await clip.arrayBuffer());
    expect(clip.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    const file = join(tmp.dir, 'clip.mp4');
    writeFileSync(file, bytes);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', file], { encoding: 'utf8' });
    const info = JSON.parse(probe.stdout) as { streams: { codec_name: string }[]; format: { duration: string } };
    expect(info.streams[0]?.codec_name).toBe('h264');
    expect(Number(info.format.duration)).toBeGreaterThan(1);

    const overview = (await (await fetch(`${agent.url}/api/video`, { headers: h })).json()) as {
      probes: { id: string; source: string }[];
      forecast: { retentionDays: number };
    };
    expect(overview.probes).toEqual([expect.objectContaining({ id: 'cam-1', source: 'rtsp' })]);
    expect(overview.forecast.retentionDays).toBe(365);

    const cashier = await fetch(`${agent.url}/api/sales/${id}/video`, { headers: { authorization: `Bearer ${TOKENS.cashier}` } });
    expect(cashier.status).toBe(403);
    expect((await fetch(`${agent.url}/api/sales/99999/video`, { headers: h })).status).toBe(404);
  }, 60_000);
});
