/**
 * Custom LSP messages as the server accepts them: each one's params are parsed with the schema
 * declared beside its type in protocol/, so a request of the wrong shape is answered with
 * InvalidParams (-32602) saying what is wrong, before its handler runs.
 */
import { ErrorCodes, ResponseError, type CancellationToken, type Connection, type HandlerResult, type NotificationType, type RequestType } from 'vscode-languageserver/node';
import { z } from 'zod';

/** A protocol/ namespace of a request or a notification that takes params. */
interface Message<P, T> {
  method: string;
  params: z.ZodType<P>;
  type: T;
}

/** What is wrong with `params`, in one sentence: `parley/kb/add: path: Invalid input: expected string, received number`. */
export function paramsProblem(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return `${method}: ${where}${issue?.message ?? 'the params are not valid'}`;
}

/** The params as `schema` reads them, or an InvalidParams error naming the first wrong field. */
export function parseParams<P>(message: Pick<Message<P, unknown>, 'method' | 'params'>, raw: unknown): P {
  const parsed = message.params.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ResponseError(ErrorCodes.InvalidParams, paramsProblem(message.method, parsed.error));
}

export function onRequest<P, R>(connection: Connection, request: Message<P, RequestType<P, R, void>>, handler: (params: P, token: CancellationToken) => HandlerResult<R, void>): void {
  connection.onRequest(request.type, (raw, token) => handler(parseParams(request, raw), token));
}

/** A notification has no answer: one of the wrong shape is logged by `onInvalid` and dropped. */
export function onNotification<P>(connection: Connection, notification: Message<P, NotificationType<P>>, handler: (params: P) => void, onInvalid: (problem: string) => void): void {
  connection.onNotification(notification.type, (raw) => {
    const parsed = notification.params.safeParse(raw);
    if (parsed.success) handler(parsed.data);
    else onInvalid(paramsProblem(notification.method, parsed.error));
  });
}
