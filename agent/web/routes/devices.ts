import { SAMPLE_CARDS } from '../../../device/idreader/index.js';
import type { DeviceStatus, IdCard } from '../../../device/types.js';
import type { DeviceManager } from '../../devices/manager.js';
import type { CounterEvent, ScanRouter } from '../../devices/router.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

/** Simulated devices (demo mode) accept input from the pages; real ones do not. */
export interface Feedable {
  feed(text: string): void;
}
/** A simulated ID reader exposes its SAM simulator: the page can place one of the sample cards. */
export interface CardPlaceable {
  simulator: { place(card: IdCard): void; remove(): void };
}

const isFeedable = (d: unknown): d is Feedable => typeof (d as Feedable | undefined)?.feed === 'function';
const isPlaceable = (d: unknown): d is CardPlaceable => typeof (d as Partial<CardPlaceable> | undefined)?.simulator?.place === 'function';

export function deviceRoutes(devices: DeviceManager, router: ScanRouter): TypedRoutes {
  return async (app) => {
    const anyone = roles('cashier', 'manager', 'technician');
    const counterParam = { type: 'object', required: ['counter'], properties: { counter: { type: 'string', minLength: 1, maxLength: 40 } } } as const;
    const deviceParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

    app.get('/api/devices', { config: anyone }, async () => ({ devices: devices.statuses() }));

    // Server-sent events: scans, identities and device states as they happen, for one counter or all.
    app.get(
      '/api/events',
      { config: anyone, schema: routeSchema({ querystring: { type: 'object', properties: { counter: { type: 'string' } } } }) },
      (req, reply) => {
        const counter = req.query.counter;
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        reply.raw.write(': counter-agent events\n\n');
        const send = (e: CounterEvent) => {
          if (counter === undefined || e.counter === counter) reply.raw.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        };
        const onStatus = (s: DeviceStatus) =>
          send({
            type: 'device',
            counter: s.counter,
            at: s.since,
            deviceId: s.id,
            state: s.state,
            ...(s.path ? { path: s.path } : {}),
            ...(s.error ? { error: s.error } : {}),
          });
        const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
        router.on('event', send);
        devices.on('status', onStatus);
        req.raw.on('close', () => {
          clearInterval(ping);
          router.off('event', send);
          devices.off('status', onStatus);
        });
        reply.hijack();
      },
    );

    app.post(
      '/api/devices/:id/scan',
      {
        config: roles('cashier', 'manager', 'technician'),
        schema: routeSchema({
          params: deviceParam,
          body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 1024 } } },
        }),
      },
      async (req, reply) => {
        const d = devices.get(req.params.id);
        if (!isFeedable(d))
          return reply.code(404).send({ errors: [{ code: 'NOT_A_SIMULATED_SCANNER', message: `设备 ${req.params.id} 不是模拟扫码枪：请用真实扫码枪扫码` }] });
        d.feed(req.body.text);
        return { fed: true };
      },
    );

    app.post(
      '/api/devices/:id/card',
      {
        config: roles('cashier', 'manager', 'technician'),
        schema: routeSchema({
          params: deviceParam,
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { idNumber: { type: 'string', maxLength: 18 }, remove: { type: 'boolean' } },
          },
        }),
      },
      async (req, reply) => {
        const d = devices.get(req.params.id);
        if (!isPlaceable(d))
          return reply
            .code(404)
            .send({ errors: [{ code: 'NOT_A_SIMULATED_READER', message: `设备 ${req.params.id} 不是模拟读卡器：请在真实读卡器上放置身份证` }] });
        if (req.body?.remove) {
          d.simulator.remove();
          return { removed: true };
        }
        const cards = Object.values(SAMPLE_CARDS);
        const card = req.body?.idNumber ? cards.find((c) => c.idNumber === req.body?.idNumber) : cards[0];
        if (!card)
          return reply
            .code(404)
            .send({ errors: [{ code: 'CARD_UNKNOWN', message: `模拟读卡器没有这张身份证：可选 ${cards.map((c) => `${c.name} ${c.idNumber}`).join('，')}` }] });
        d.simulator.place(card);
        return { placed: true, name: card.name };
      },
    );

    // Receiving by scanner: while a session is active on a counter, its scans go to the manager's receipt.
    app.post('/api/receiving/:counter/start', { config: roles('manager'), schema: routeSchema({ params: counterParam }) }, async (req) => {
      router.startReceiving(req.params.counter);
      return { counter: req.params.counter, active: true };
    });
    app.get('/api/receiving/:counter', { config: roles('manager'), schema: routeSchema({ params: counterParam }) }, async (req) => {
      const scans = router.receivingScans(req.params.counter);
      return { counter: req.params.counter, active: scans !== undefined, scans: scans ?? [] };
    });
    app.post('/api/receiving/:counter/stop', { config: roles('manager'), schema: routeSchema({ params: counterParam }) }, async (req) => ({
      counter: req.params.counter,
      active: false,
      scans: router.stopReceiving(req.params.counter),
    }));
  };
}
