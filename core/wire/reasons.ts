// Why a decode failed or deviated: WireError.reason and Problem.reason.
// Numbers keep English out of the shipped bundles; reason-text.ts has the
// text (platforms and tools import it, core does not). A number never
// changes meaning once released.

// Framing of the message (RFC 5352 s2.2, RFC 5353 s2).
export const REASON_INVALID_BUFFER_RANGE = 1;
export const REASON_INTERNAL_ERROR = 2;
export const REASON_SHORTER_THAN_HEADER = 3;
export const REASON_LENGTH_FIELD_MISMATCH = 4;
export const REASON_LENGTH_NOT_MULTIPLE_OF_4 = 5;
export const REASON_SHORTER_THAN_FIXED_FIELDS = 6;
export const REASON_UNRECOGNIZED_MESSAGE_TYPE = 7;
export const REASON_RESERVED_FLAGS_SET = 8;
export const REASON_RESERVED_FIELD_SET = 9;
export const REASON_UNKNOWN_UPDATE_ACTION = 10;

// TLV framing (RFC 5354 s2). The error cause variant of each is 4 higher.
export const REASON_TRUNCATED_PARAMETER_HEADER = 11;
export const REASON_PARAMETER_LENGTH_BELOW_4 = 12;
export const REASON_PARAMETER_LENGTH_EXCEEDS_CONTAINER = 13;
export const REASON_PARAMETER_PADDING_MISSING = 14;
export const REASON_TRUNCATED_CAUSE_HEADER = 15;
export const REASON_CAUSE_LENGTH_BELOW_4 = 16;
export const REASON_CAUSE_LENGTH_EXCEEDS_CONTAINER = 17;
export const REASON_CAUSE_PADDING_MISSING = 18;
export const REASON_CONTAINER_EXCLUDES_PADDING = 19;
export const REASON_NON_ZERO_PADDING = 20;

// Unknown parameters by their action bits (RFC 5354 s2).
export const REASON_UNRECOGNIZED_STOP = 21;
export const REASON_UNRECOGNIZED_STOP_AND_REPORT = 22;
export const REASON_UNRECOGNIZED_SKIPPED = 23;
export const REASON_UNRECOGNIZED_SKIPPED_AND_REPORTED = 24;

// Content models and parameter values (RFC 5354 s3).
export const REASON_UNEXPECTED_PARAMETER = 25;
export const REASON_EMPTY_POOL_HANDLE = 26;
export const REASON_POOL_HANDLE_TOO_LONG = 27;
export const REASON_IPV4_LENGTH = 28;
export const REASON_IPV6_LENGTH = 29;
export const REASON_TRANSPORT_TOO_SHORT = 30;
export const REASON_UNKNOWN_TRANSPORT_USE = 31;
export const REASON_UNEXPECTED_IN_TRANSPORT = 32;
export const REASON_TOO_MANY_ADDRESSES = 33;
export const REASON_TRANSPORT_WITHOUT_ADDRESS = 34;
export const REASON_SINGLE_HOMED_ADDRESSES = 35;
export const REASON_POLICY_TOO_SHORT = 36;
export const REASON_UNKNOWN_POLICY_TYPE = 37;
export const REASON_POLICY_WITHOUT_DEGRADATION = 38;
export const REASON_POLICY_LENGTH = 39;
export const REASON_POOL_ELEMENT_TOO_SHORT = 40;
export const REASON_POOL_ELEMENT_WITHOUT_ASAP_TRANSPORT = 41;
export const REASON_SERVER_INFORMATION_TOO_SHORT = 42;
export const REASON_NESTING_TOO_DEEP = 43;
export const REASON_MALFORMED_IN_CAUSE = 44;
export const REASON_TRUNCATED_MESSAGE_IN_CAUSE = 45;
export const REASON_BAD_MESSAGE_LENGTH_IN_CAUSE = 46;
export const REASON_TRAILING_BYTES_IN_CAUSE = 47;
export const REASON_CAUSE_WITHOUT_POLICY = 48;
export const REASON_CAUSE_WITHOUT_TRANSPORT = 49;
export const REASON_OPERATION_ERROR_WITHOUT_CAUSES = 50;
export const REASON_EMPTY_COOKIE = 51;
export const REASON_TOO_MANY_POOL_ELEMENTS = 52;
export const REASON_PE_IDENTIFIER_LENGTH = 53;
export const REASON_HANDLE_RESOLUTION_OPTION_LENGTH = 54;
export const REASON_PE_CHECKSUM_LENGTH = 55;

/**
 * A parameter a content model requires is missing: REASON_MISSING plus its
 * PARAM_* type (0x8 policy ... 0xf PE checksum); REASON_MISSING - 1 for
 * "any transport".
 */
export const REASON_MISSING = 100;
export const REASON_MISSING_TRANSPORT = 99;
