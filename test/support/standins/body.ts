import type { IncomingMessage } from 'node:http';

/** A file part of a multipart upload, as the stand-in recorded it. */
export interface UploadedFile {
  filename: string;
  type: string;
  size: number;
  bytes: Buffer;
}

/** Multipart fields by name; a name sent several times (such as `include[]`) keeps every value. */
export type FormFields = Record<string, string | UploadedFile | (string | UploadedFile)[]>;

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Decodes a request body the way the vendor would: JSON, multipart form (through the
 * WHATWG `Response.formData()` parser that ships with Node, rather than a hand-written one),
 * or raw bytes for anything else. Throws on a body that does not match its content type.
 */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<unknown> {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/json')) return JSON.parse(raw.toString('utf8'));
  if (type.startsWith('multipart/form-data')) return parseForm(raw, contentType!);
  if (type.startsWith('text/')) return raw.toString('utf8');
  return raw;
}

async function parseForm(raw: Buffer, contentType: string): Promise<FormFields> {
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  const fields: FormFields = {};
  for (const [name, value] of form) {
    const entry = typeof value === 'string' ? value : await toUpload(value);
    const previous = fields[name];
    if (previous === undefined) fields[name] = entry;
    else fields[name] = Array.isArray(previous) ? [...previous, entry] : [previous, entry];
  }
  return fields;
}

async function toUpload(file: File): Promise<UploadedFile> {
  const bytes = Buffer.from(await file.arrayBuffer());
  return { filename: file.name, type: file.type, size: bytes.length, bytes };
}
