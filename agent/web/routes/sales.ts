import type { Names } from '../../accounts/names.js';
import type { CheckoutService } from '../../checkout/service.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

// Path parameters arrive as text; the body schemas do not coerce types, so ids are checked as digits here.
const idParam = { $ref: 'IdParams#' } as const;
const idPattern = { $ref: 'Id#' } as const;
// Responses that carry personal data: the serializer masks what these schemas mark (schemas.ts).
const personReply = { '2xx': { type: 'object', properties: { person: { $ref: 'Person#' } } } } as const;
const prescriptionReply = { '2xx': { type: 'object', properties: { prescription: { $ref: 'Prescription#' } } } } as const;
// Voiding and reversing a sale take an optional reason (the ledger records a default when none is given).
const optionalReason = { type: ['object', 'null'], additionalProperties: false, properties: { reason: { type: 'string', maxLength: 200 } } } as const;
const refusedReply = { 422: { $ref: 'Refused#' } } as const;
const sellers = roles('cashier', 'manager');

/** A sale as the pages show it: the ids stay, the names people read are added beside them (issue 14). */
function withNames(view: ReturnType<CheckoutService['view']>, names: Names | undefined) {
  if (!names) return view;
  return {
    ...view,
    counterName: names.counter(view.counter),
    openedByName: names.person(view.openedBy),
    cashierName: names.person(view.settledBy ?? view.openedBy),
    reversedByName: view.reversal ? names.person(view.reversal.actor) : null,
  };
}

export function salesRoutes(checkout: CheckoutService, names?: Names): TypedRoutes {
  return async (app) => {
    app.post(
      '/api/sales',
      {
        config: sellers,
        schema: routeSchema({
          body: { type: ['object', 'null'], additionalProperties: false, properties: { counter: { type: 'string', minLength: 1, maxLength: 40 } } },
        }),
      },
      async (req, reply) => reply.code(201).send({ id: checkout.open(req.body?.counter ?? 'counter-1', req.principal?.name), status: 'open' }),
    );

    app.get(
      '/api/sales/:id',
      { config: roles('cashier', 'manager', 'technician'), schema: routeSchema({ params: idParam, response: { '2xx': { $ref: 'SaleView#' } } }) },
      async (req) => withNames(checkout.view(Number(req.params.id)), names),
    );

    app.post(
      '/api/sales/:id/items',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['code'],
            properties: { code: { type: 'string', minLength: 1, maxLength: 512 }, pieces: { type: 'integer', minimum: 1, maximum: 100000 } },
          },
          response: refusedReply,
        }),
      },
      async (req, reply) => {
        const r = await checkout.scanItem(Number(req.params.id), req.body.code, req.body.pieces);
        if (!r.ok) return reply.code(422).send({ refused: r.refused });
        return { item: checkout.itemView(Number(req.params.id), r.itemId) };
      },
    );

    app.delete(
      '/api/sales/:id/items/:itemId',
      { config: sellers, schema: routeSchema({ params: { type: 'object', required: ['id', 'itemId'], properties: { id: idPattern, itemId: idPattern } } }) },
      async (req) => (checkout.removeItem(Number(req.params.id), Number(req.params.itemId)), { removed: Number(req.params.itemId) }),
    );

    app.put(
      '/api/sales/:id/identity',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['certType', 'certNo'],
            properties: {
              certType: { enum: ['01', '02', '03'] },
              certNo: { type: 'string', minLength: 1, maxLength: 200 },
              name: { type: 'string', maxLength: 50 },
            },
          },
          response: personReply,
        }),
      },
      async (req) => {
        const p = await checkout.setIdentity(Number(req.params.id), req.body.certType, req.body.certNo, req.body.name);
        return { person: checkout.view(Number(req.params.id)).identity ?? { psnNo: p.psnNo } };
      },
    );

    // A 医保电子凭证 QR code read by the counter page's keyboard-wedge scanner: 1161 for its token, then 1101.
    app.put(
      '/api/sales/:id/identity/evoucher',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: { type: 'object', additionalProperties: false, required: ['qrcode'], properties: { qrcode: { type: 'string', minLength: 1, maxLength: 512 } } },
          response: personReply,
        }),
      },
      async (req) => {
        await checkout.identifyByEVoucher(Number(req.params.id), req.body.qrcode);
        return { person: checkout.view(Number(req.params.id)).identity };
      },
    );

    app.put(
      '/api/sales/:id/prescription',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['rxNo', 'institutionCode', 'doctorName', 'patientCertNo', 'issuedAt', 'signed'],
            properties: {
              rxNo: { type: 'string', maxLength: 64 },
              institutionCode: { type: 'string', maxLength: 30 },
              doctorName: { type: 'string', maxLength: 50 },
              patientCertNo: { type: 'string', maxLength: 30 },
              issuedAt: { type: 'string', maxLength: 30 },
              signed: { type: 'boolean' },
            },
          },
          response: prescriptionReply,
        }),
      },
      async (req) => (checkout.setPrescription(Number(req.params.id), req.body), { prescription: req.body }),
    );

    // 告知同意: the insured person agrees to pay out-of-catalogue items themselves.
    app.put(
      '/api/sales/:id/consent',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['productIds'],
            properties: { productIds: { type: 'array', items: { type: 'string' }, maxItems: 200 } },
          },
        }),
      },
      async (req) => (checkout.setConsents(Number(req.params.id), req.body.productIds), { consents: req.body.productIds }),
    );

    app.post(
      '/api/sales/:id/settle',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['payment'],
            properties: { payment: { enum: ['insurance', 'self_pay'] }, chronicDisease: { type: 'string', maxLength: 20 } },
          },
        }),
      },
      async (req) => checkout.settle(Number(req.params.id), req.body.payment, req.body.chronicDisease, req.principal?.name),
    );

    app.post(
      '/api/sales/:id/void',
      {
        config: sellers,
        schema: routeSchema({
          params: idParam,
          body: optionalReason,
        }),
      },
      async (req) => (
        checkout.void(Number(req.params.id), req.body?.reason || 'cashier', req.principal?.name), { id: Number(req.params.id), status: 'voided' }
      ),
    );

    app.post(
      '/api/sales/:id/reverse',
      {
        config: roles('manager'),
        schema: routeSchema({
          params: idParam,
          body: optionalReason,
        }),
      },
      async (req) => {
        await checkout.reverse(Number(req.params.id), req.body?.reason ?? '整单退费', req.principal?.name);
        return { id: Number(req.params.id), status: 'reversed' };
      },
    );
  };
}
