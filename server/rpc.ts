/**
 * Custom LSP messages as the server accepts them: each one's params are parsed with the schema
 * protocol/params.ts declares for its method, so a request of the wrong shape is answered with
 * InvalidParams (-32602) saying what is wrong, before its handler runs.
 */
import {
  ErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
  type HandlerResult,
  type NotificationType,
  type RequestType,
} from 'vscode-languageserver/node';
import type * as z from 'zod';
import { PARAMS, type ParamsMethod, type ParamsOf, type SentParamsOf } from '../protocol/params';
import { schemaProblem } from './log';

/** What is wrong with `params`, in one sentence: `parley/kb/add: path: Invalid input: expected string, received number`. */
export function paramsProblem(method: string, error: z.ZodError): string {
  return `${method}: ${schemaProblem(error)}`;
}

/** The params as `schema` reads them, or an InvalidParams error naming the first wrong field. */
export function parseParams<P, I>(method: string, schema: z.ZodType<P, I>, raw: unknown): P {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ResponseError(ErrorCodes.InvalidParams, paramsProblem(method, parsed.error));
}

export function onRequest<M extends ParamsMethod, R>(
  connection: Connection,
  request: { method: M; type: RequestType<SentParamsOf<M>, R, void> },
  handler: (params: ParamsOf<M>, token: CancellationToken) => HandlerResult<R, void>,
): void {
  const schema = PARAMS[request.method];
  connection.onRequest(request.type, (raw, token) => handler(parseParams(request.method, schema, raw), token));
}

/** A notification has no answer: one of the wrong shape is logged by `onInvalid` and dropped. */
export function onNotification<M extends ParamsMethod>(
  connection: Connection,
  notification: { method: M; type: NotificationType<SentParamsOf<M>> },
  handler: (params: ParamsOf<M>) => void,
  onInvalid: (problem: string) => void,
): void {
  const schema = PARAMS[notification.method];
  connection.onNotification(notification.type, (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) handler(parsed.data);
    else onInvalid(paramsProblem(notification.method, parsed.error));
  });
}
