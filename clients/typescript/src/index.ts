// The TypeScript client of the B12 dosing API (b12.dosing.v1.DosingService).
//
// The message and service types are generated from the proto (src/gen/, `npm run generate`);
// this module adds the two things every caller needs: a client over the gRPC protocol (HTTP/2,
// as the Python server speaks it), and the field violations of a rejected call.
//
//   const client = createDosingClient("http://127.0.0.1:50051");
//   const response = await client.planRegimen({ profile: { ... }, startDate: date(2025, 1, 6) });
//
// A request that is not valid fails with a ConnectError of code InvalidArgument that carries a
// google.rpc.BadRequest detail: `fieldViolations(error)` returns its violations, each naming the
// request field (proto field names, `[i]` for list items) and why it was rejected. The batch
// calls (batchPlanRegimens, batchCheckRegimens, batchAssessCourses: up to MAX_BATCH_REQUESTS
// requests) answer each request with its response or its own google.rpc.Status, whose
// violations `statusFieldViolations(status)` returns.

import { create } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, type GrpcTransportOptions } from "@connectrpc/connect-node";

import { DosingService } from "./gen/b12/dosing/v1/dosing_pb.js";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";
import { DateSchema, type Date as ProtoDate } from "./gen/google/type/date_pb.js";
import type { Status } from "./gen/google/rpc/status_pb.js";

export * from "./gen/b12/dosing/v1/dosing_pb.js";
export * from "./gen/b12/dosing/v1/export_pb.js";
export { BadRequestSchema, type BadRequest } from "./gen/google/rpc/error_details_pb.js";
export { DateSchema, type Date as ProtoDate } from "./gen/google/type/date_pb.js";
export { StatusSchema, type Status } from "./gen/google/rpc/status_pb.js";

/** The most requests one batch call (batchPlanRegimens, ...) may carry: the server's limit. */
export const MAX_BATCH_REQUESTS = 100;

/** The client type: one async method per RPC (planRegimen, checkRegimen, ...). */
export type DosingClient = Client<typeof DosingService>;

/** A client of the service at `baseUrl` (for example "http://127.0.0.1:50051"). */
export function createDosingClient(
  baseUrl: string,
  options: Omit<GrpcTransportOptions, "baseUrl"> = {},
): DosingClient {
  return createClient(DosingService, createGrpcTransport({ ...options, baseUrl }));
}

/** A calendar date (google.type.Date) with year, month (1-12) and day all set. */
export function date(year: number, month: number, day: number): ProtoDate {
  return create(DateSchema, { year, month, day });
}

/** One offending request field of a rejected call. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * The field violations of an INVALID_ARGUMENT error (from its google.rpc.BadRequest details),
 * or undefined when `error` is anything else.
 */
export function fieldViolations(error: unknown): FieldViolation[] | undefined {
  const connectError = ConnectError.from(error);
  if (connectError.code !== Code.InvalidArgument) {
    return undefined;
  }
  return connectError
    .findDetails(BadRequestSchema)
    .flatMap((detail) =>
      detail.fieldViolations.map((v) => ({ field: v.field, description: v.description })),
    );
}

/**
 * The field violations of one result of a batch call whose `result.case` is "error" (a
 * google.rpc.Status of code INVALID_ARGUMENT with a google.rpc.BadRequest; field paths relative
 * to that request), or an empty list for any other status.
 */
export function statusFieldViolations(status: Status): FieldViolation[] {
  return status.details.flatMap((detail) => {
    const badRequest = anyUnpack(detail, BadRequestSchema);
    return badRequest === undefined
      ? []
      : badRequest.fieldViolations.map((v) => ({ field: v.field, description: v.description }));
  });
}
