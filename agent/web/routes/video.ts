import { createReadStream } from 'node:fs';
import type { VideoService } from '../../video/service.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

export function videoRoutes(video: VideoService, probes: () => unknown[] = () => []): TypedRoutes {
  return async (app) => {
    // One playable MP4 of the sale's window [first scan − 30 s, settlement + 30 s], cut without re-encoding.
    app.get(
      '/api/sales/:id/video',
      {
        config: roles('manager', 'technician'),
        schema: routeSchema({ params: { $ref: 'IdParams#' }, querystring: { type: 'object', properties: { camera: { type: 'string' } } } }),
      },
      async (req, reply) => {
        const clip = await video.clip(Number(req.params.id), req.query.camera);
        if (!clip)
          return reply.code(404).send({ errors: [{ code: 'NO_VIDEO', message: `销售单 ${req.params.id} 没有录像：请检查该收银台的摄像头是否在录像` }] });
        return reply
          .header('content-type', 'video/mp4')
          .header('content-length', String(clip.bytes))
          .header('x-content-sha256', clip.sha256)
          .header('digest', `sha-256=${Buffer.from(clip.sha256, 'hex').toString('base64')}`)
          .header('x-video-window', `${clip.from}/${clip.to}`)
          .header('x-video-complete', String(clip.complete))
          .send(createReadStream(clip.path));
      },
    );
    app.get('/api/video', { config: roles('manager', 'technician') }, async () => ({
      forecast: video.forecast(),
      cameras: video.statuses(),
      probes: probes(),
      alarms: video.alarms(),
    }));
  };
}
