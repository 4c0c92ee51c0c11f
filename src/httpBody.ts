// Reading a request body, and refusing one that is too large so that the client reads the refusal:
// a client such as Python's urllib sends its whole body before it reads the answer, so answering
// and closing while it still sends ends in a broken pipe on its side. An oversized body is read and
// thrown away up to a bound (bytes and time), then refused; past the bound the connection is closed
// (a client that keeps sending megabytes after that is not one we owe an answer).
import type * as http from "node:http";
import { RequestEntityTooLargeException } from "./protocol/errors";

export interface BodyLimits {
  /** Larger bodies are refused with 413. */
  readonly maxBytes: number;
  /** How much of a refused body is read and thrown away so that the client sees the 413. */
  readonly discardBytes: number;
  /** How long that may take. */
  readonly discardMs: number;
}

/** A client that went away, or was timed out, before its request arrived whole: nothing to answer. */
export class ClientGone extends Error {}

/** The refusal of an oversized body; `drained` says whether the client finished sending (the answer will reach it). */
export class BodyTooLarge extends RequestEntityTooLargeException {
  constructor(
    maxBytes: number,
    readonly drained: boolean,
  ) {
    super(`The request body is larger than ${maxBytes} bytes.`);
  }
}

export function readBody(req: http.IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let discarded = 0;
    let timer: NodeJS.Timeout | undefined;
    const refuse = (drained: boolean) => {
      clearTimeout(timer);
      req.removeAllListeners("data");
      req.removeAllListeners("end");
      if (!drained) req.pause();
      reject(new BodyTooLarge(limits.maxBytes, drained));
    };
    const startDiscarding = () => {
      tooLarge = true;
      chunks.length = 0;
      // A client that declares more than we would ever read is refused at once.
      if (declared > limits.maxBytes + limits.discardBytes) return refuse(false);
      timer = setTimeout(() => refuse(false), limits.discardMs);
      timer.unref();
    };
    if (declared > limits.maxBytes) startDiscarding();
    if (tooLarge && timer === undefined) return;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) {
        discarded += chunk.length;
        if (discarded > limits.discardBytes) refuse(false);
        return;
      }
      size += chunk.length;
      if (size > limits.maxBytes) {
        discarded = size;
        startDiscarding();
        if (discarded > limits.discardBytes) refuse(false);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) return refuse(true);
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.on("error", () => {
      clearTimeout(timer);
      reject(new ClientGone());
    });
    req.on("aborted", () => {
      clearTimeout(timer);
      reject(new ClientGone());
    });
  });
}
