// A small RTSP relay that speaks RTP over TCP (interleaved, RFC 2326 §10.12), for the test and demo
// camera when the stream must be pulled over TCP. Debian's rtsp-server-perl relays RTP over UDP only,
// so this is the closest real thing for `transport: tcp`: a real ffmpeg pushes H.264 to it
// (`-rtsp_transport tcp -f rtsp rtsp://127.0.0.1:<port>/<path>`: ANNOUNCE, SETUP, RECORD) and real RTSP
// clients (ffmpeg `-rtsp_transport tcp`) pull it (OPTIONS, DESCRIBE, SETUP, PLAY). The wire protocol is
// real RTSP; only the server is ours. Listens on 127.0.0.1 only. Test/demo use only, not for production.

import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

interface Message {
  method: string;
  uri: string;
  headers: Map<string, string>;
  body: Buffer;
}

interface Mount {
  path: string;
  sdp: string;
  /** Source interleaved RTP channel -> stream control (e.g. "streamid=0"); RTCP is channel + 1. */
  channels: Map<number, string>;
  recording: boolean;
  clients: Set<ClientSession>;
  source: Socket;
}

interface ClientSession {
  socket: Socket;
  /** stream control -> client's interleaved RTP channel */
  channels: Map<string, number>;
  playing: boolean;
}

/** Drop a client that does not keep up rather than buffering without bound. */
const MAX_CLIENT_BACKLOG = 8 * 1024 * 1024;

export interface RtspRelayEvents {
  mounted: [path: string];
  unmounted: [path: string];
}

export class RtspTcpRelay extends EventEmitter<RtspRelayEvents> {
  private server: Server | undefined;
  private readonly mounts = new Map<string, Mount>();
  private readonly sockets = new Set<Socket>();
  private sessionSeq = 0;
  port = 0;

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  isRecording(path: string): boolean {
    return this.mounts.get(normalize(path))?.recording ?? false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.mounts.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let mount: Mount | undefined; // set when this connection is a source
    let client: ClientSession | undefined; // set when this connection is a client
    let sourceControlByChannel: Map<number, string> | undefined;

    const closeAll = (): void => {
      this.sockets.delete(socket);
      if (mount && this.mounts.get(mount.path) === mount) {
        this.mounts.delete(mount.path);
        for (const c of mount.clients) c.socket.destroy();
        this.emit('unmounted', mount.path);
      }
      if (client) for (const m of this.mounts.values()) m.clients.delete(client);
    };
    socket.on('close', closeAll);
    socket.on('error', () => socket.destroy());

    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length === 0) return;
        if (buf[0] === 0x24) {
          // $ channel len16 payload
          if (buf.length < 4) return;
          const len = buf.readUInt16BE(2);
          if (buf.length < 4 + len) return;
          const channel = buf[1] as number;
          const frame = buf.subarray(0, 4 + len);
          buf = buf.subarray(4 + len);
          if (mount && sourceControlByChannel) this.forward(mount, sourceControlByChannel, channel, frame);
          continue; // a client's RTCP receiver reports are ignored
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 64 * 1024) socket.destroy(); // not RTSP
          return;
        }
        const head = buf.subarray(0, end).toString('latin1');
        const headers = new Map<string, string>();
        const lines = head.split('\r\n');
        const [method = '', uri = ''] = (lines[0] ?? '').split(' ');
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
        }
        const bodyLen = Number(headers.get('content-length') ?? '0');
        if (buf.length < end + 4 + bodyLen) return;
        const body = buf.subarray(end + 4, end + 4 + bodyLen);
        buf = buf.subarray(end + 4 + bodyLen);
        const msg: Message = { method: method.toUpperCase(), uri, headers, body };
        const r = this.handle(socket, msg, {
          getMount: () => mount,
          setMount: (m) => {
            mount = m;
            sourceControlByChannel = m.channels;
          },
          getClient: () => client,
          setClient: (c) => {
            client = c;
          },
        });
        if (r === 'close') {
          socket.end();
          return;
        }
      }
    });
  }

  private forward(mount: Mount, channels: Map<number, string>, channel: number, frame: Buffer): void {
    const rtcp = !channels.has(channel) && channels.has(channel - 1);
    const control = channels.get(rtcp ? channel - 1 : channel);
    if (control === undefined) return;
    for (const c of mount.clients) {
      if (!c.playing) continue;
      const out = c.channels.get(control);
      if (out === undefined) continue;
      if (c.socket.writableLength > MAX_CLIENT_BACKLOG) {
        c.socket.destroy();
        continue;
      }
      const copy = Buffer.from(frame);
      copy[1] = out + (rtcp ? 1 : 0);
      c.socket.write(copy);
    }
  }

  private handle(
    socket: Socket,
    msg: Message,
    conn: {
      getMount: () => Mount | undefined;
      setMount: (m: Mount) => void;
      getClient: () => ClientSession | undefined;
      setClient: (c: ClientSession) => void;
    },
  ): 'close' | undefined {
    const cseq = msg.headers.get('cseq') ?? '0';
    const reply = (code: number, reason: string, headers: Record<string, string> = {}, body = ''): void => {
      let out = `RTSP/1.0 ${code} ${reason}\r\nCSeq: ${cseq}\r\nServer: counter-agent-test-relay\r\n`;
      for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
      if (body) out += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
      out += `\r\n${body}`;
      socket.write(out);
    };
    const { path, control } = splitUri(msg.uri);
    switch (msg.method) {
      case 'OPTIONS':
        reply(200, 'OK', { Public: 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, RECORD, PLAY, TEARDOWN, GET_PARAMETER' });
        return;
      case 'GET_PARAMETER':
        reply(200, 'OK', msg.headers.has('session') ? { Session: msg.headers.get('session') as string } : {});
        return;
      case 'ANNOUNCE': {
        if (this.mounts.has(path)) {
          reply(403, 'Forbidden');
          return;
        }
        const m: Mount = { path, sdp: msg.body.toString('utf8'), channels: new Map(), recording: false, clients: new Set(), source: socket };
        this.mounts.set(path, m);
        conn.setMount(m);
        reply(200, 'OK');
        return;
      }
      case 'RECORD': {
        const m = conn.getMount();
        if (!m) {
          reply(455, 'Method Not Valid In This State');
          return;
        }
        m.recording = true;
        reply(200, 'OK', { Session: sessionOf(msg) });
        this.emit('mounted', m.path);
        return;
      }
      case 'DESCRIBE': {
        const m = this.mounts.get(path);
        if (!m) {
          reply(404, 'Not Found');
          return;
        }
        const host = msg.uri.replace(/^(rtsp:\/\/[^/]+).*$/i, '$1');
        reply(200, 'OK', { 'Content-Type': 'application/sdp', 'Content-Base': `${host}${m.path}/` }, m.sdp);
        return;
      }
      case 'SETUP': {
        const transport = msg.headers.get('transport') ?? '';
        const inter = /interleaved=(\d+)(?:-(\d+))?/i.exec(transport);
        if (!/RTP\/AVP\/TCP/i.test(transport) || !inter) {
          reply(461, 'Unsupported Transport'); // this relay is the TCP one; UDP goes through rtsp-server-perl
          return;
        }
        const channel = Number(inter[1]);
        const session = msg.headers.get('session')?.split(';')[0] ?? `${Date.now().toString(16)}${(++this.sessionSeq).toString(16)}`;
        const own = conn.getMount();
        if (own && own.path === path) {
          own.channels.set(channel, control);
          reply(200, 'OK', { Transport: transport, Session: session });
          return;
        }
        const m = this.mounts.get(path);
        if (!m) {
          reply(404, 'Not Found');
          return;
        }
        let c = conn.getClient();
        if (!c) {
          c = { socket, channels: new Map(), playing: false };
          conn.setClient(c);
        }
        c.channels.set(control, channel);
        m.clients.add(c);
        reply(200, 'OK', { Transport: transport, Session: `${session};timeout=60` });
        return;
      }
      case 'PLAY': {
        const c = conn.getClient();
        if (!c) {
          reply(455, 'Method Not Valid In This State');
          return;
        }
        c.playing = true;
        reply(200, 'OK', { Session: sessionOf(msg), Range: 'npt=0.000-' });
        return;
      }
      case 'TEARDOWN':
        reply(200, 'OK', { Session: sessionOf(msg) });
        return 'close';
      default:
        reply(405, 'Method Not Allowed');
        return;
    }
  }
}

function sessionOf(msg: Message): string {
  return msg.headers.get('session')?.split(';')[0] ?? '0';
}

function normalize(path: string): string {
  return `/${path.replace(/^\/+|\/+$/g, '')}`;
}

/** rtsp://h:p/cam/streamid=0 -> { path: "/cam", control: "streamid=0" } */
function splitUri(uri: string): { path: string; control: string } {
  let path = uri.replace(/^rtsp:\/\/[^/]*/i, '').split('?')[0] ?? '';
  path = normalize(path);
  const m = /^(.*)\/((?:streamid|trackID|track)=\d+)$/i.exec(path);
  if (m) return { path: normalize(m[1] ?? ''), control: m[2] ?? '' };
  return { path, control: '' };
}
