// Wire constants of ASAP (RFC 5352), ENRP (RFC 5353), parameters (RFC 5354)
// and policies (RFC 5356), plus rsplib's extensions. Plain const literals only.

// SCTP payload protocol identifiers and well-known ports (RFC 5352 s5, RFC 5353 s7).
export const PPID_ASAP = 11;
export const PPID_ENRP = 12;
export const PORT_ASAP = 3863;
export const PORT_ENRP = 9901;
export const PORT_SCTP_UDP_ENCAPSULATION = 9899; // RFC 6951

// ASAP message types (RFC 5352 s2.2).
export const ASAP_REGISTRATION = 0x01;
export const ASAP_DEREGISTRATION = 0x02;
export const ASAP_REGISTRATION_RESPONSE = 0x03;
export const ASAP_DEREGISTRATION_RESPONSE = 0x04;
export const ASAP_HANDLE_RESOLUTION = 0x05;
export const ASAP_HANDLE_RESOLUTION_RESPONSE = 0x06;
export const ASAP_ENDPOINT_KEEP_ALIVE = 0x07;
export const ASAP_ENDPOINT_KEEP_ALIVE_ACK = 0x08;
export const ASAP_ENDPOINT_UNREACHABLE = 0x09;
export const ASAP_SERVER_ANNOUNCE = 0x0a;
export const ASAP_COOKIE = 0x0b;
export const ASAP_COOKIE_ECHO = 0x0c;
export const ASAP_BUSINESS_CARD = 0x0d;
export const ASAP_ERROR = 0x0e;

// ASAP flags.
export const ASAP_FLAG_REJECT = 0x01; // REGISTRATION_RESPONSE R (RFC 5352 s2.2.3)
export const ASAP_FLAG_HOME = 0x01; // ENDPOINT_KEEP_ALIVE H (RFC 5352 s2.2.7)

// ENRP message types (RFC 5353 s2).
export const ENRP_PRESENCE = 0x01;
export const ENRP_HANDLE_TABLE_REQUEST = 0x02;
export const ENRP_HANDLE_TABLE_RESPONSE = 0x03;
export const ENRP_HANDLE_UPDATE = 0x04;
export const ENRP_LIST_REQUEST = 0x05;
export const ENRP_LIST_RESPONSE = 0x06;
export const ENRP_INIT_TAKEOVER = 0x07;
export const ENRP_INIT_TAKEOVER_ACK = 0x08;
export const ENRP_TAKEOVER_SERVER = 0x09;
export const ENRP_ERROR = 0x0a;

// ENRP flags.
export const ENRP_FLAG_REPLY_REQUIRED = 0x01; // PRESENCE R
export const ENRP_FLAG_OWN_CHILDREN_ONLY = 0x01; // HANDLE_TABLE_REQUEST W
export const ENRP_FLAG_REJECT = 0x01; // HANDLE_TABLE_RESPONSE R, LIST_RESPONSE R
export const ENRP_FLAG_MORE_TO_SEND = 0x02; // HANDLE_TABLE_RESPONSE M
export const ENRP_FLAG_TAKEOVER_SUGGESTED = 0x01; // HANDLE_UPDATE T (rsplib, draft-dreibholz-rserpool-enrp-takeover)

// ENRP HANDLE_UPDATE actions (RFC 5353 s2.4).
export const UPDATE_ACTION_ADD_PE = 0;
export const UPDATE_ACTION_DEL_PE = 1;

// Parameter types (RFC 5354 s3).
export const PARAM_IPV4_ADDRESS = 0x0001;
export const PARAM_IPV6_ADDRESS = 0x0002;
export const PARAM_DCCP_TRANSPORT = 0x0003;
export const PARAM_SCTP_TRANSPORT = 0x0004;
export const PARAM_TCP_TRANSPORT = 0x0005;
export const PARAM_UDP_TRANSPORT = 0x0006;
export const PARAM_UDP_LITE_TRANSPORT = 0x0007;
export const PARAM_POLICY = 0x0008;
export const PARAM_POOL_HANDLE = 0x0009;
export const PARAM_POOL_ELEMENT = 0x000a;
export const PARAM_SERVER_INFORMATION = 0x000b;
export const PARAM_OPERATION_ERROR = 0x000c;
export const PARAM_COOKIE = 0x000d;
export const PARAM_PE_IDENTIFIER = 0x000e;
export const PARAM_PE_CHECKSUM = 0x000f;
export const PARAM_HANDLE_RESOLUTION_OPTION = 0x803f; // rsplib, draft-dreibholz-rserpool-asap-hropt

// Unknown-parameter action: the top two bits of the type (RFC 5354 s2).
export const ACTION_MASK = 0xc000;
export const ACTION_STOP = 0x0000;
export const ACTION_STOP_AND_REPORT = 0x4000;
export const ACTION_SKIP = 0x8000;
export const ACTION_SKIP_AND_REPORT = 0xc000;

// Transport use in SCTP and TCP transport parameters (RFC 5354 s3.4, s3.5).
export const TRANSPORT_USE_DATA_ONLY = 0;
export const TRANSPORT_USE_DATA_PLUS_CONTROL = 1;

// Operation error causes (RFC 5354 s3.12 table).
export const CAUSE_UNSPECIFIED = 0x0;
export const CAUSE_UNRECOGNIZED_PARAMETER = 0x1;
export const CAUSE_UNRECOGNIZED_MESSAGE = 0x2;
export const CAUSE_INVALID_VALUES = 0x3;
export const CAUSE_NON_UNIQUE_PE_IDENTIFIER = 0x4;
export const CAUSE_INCONSISTENT_POLICY = 0x5;
export const CAUSE_LACK_OF_RESOURCES = 0x6;
export const CAUSE_INCONSISTENT_TRANSPORT = 0x7;
export const CAUSE_INCONSISTENT_DATA_CONTROL = 0x8;
export const CAUSE_UNKNOWN_POOL_HANDLE = 0x9;
export const CAUSE_REJECTED_SECURITY = 0xa;

// Pool member selection policies (RFC 5356 s4, s5; rsplib 0xb000xxxx).
export const POLICY_ROUND_ROBIN = 0x00000001;
export const POLICY_WEIGHTED_ROUND_ROBIN = 0x00000002;
export const POLICY_RANDOM = 0x00000003;
export const POLICY_WEIGHTED_RANDOM = 0x00000004;
export const POLICY_PRIORITY = 0x00000005;
export const POLICY_LEAST_USED = 0x40000001;
export const POLICY_LEAST_USED_DEGRADATION = 0x40000002;
export const POLICY_PRIORITY_LEAST_USED = 0x40000003;
export const POLICY_RANDOMIZED_LEAST_USED = 0x40000004;
export const POLICY_RANDOMIZED_PRIORITY_LEAST_USED = 0xb0001001;
export const POLICY_RANDOMIZED_LEAST_USED_DEGRADATION = 0xb0001002;
export const POLICY_PRIORITY_LEAST_USED_DEGRADATION = 0xb0001003;
export const POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION = 0xb0001004;
export const POLICY_WEIGHTED_RANDOM_DPF = 0xb0002001;
export const POLICY_LEAST_USED_DPF = 0xb0002002;
export const POLICY_LEAST_USED_DEGRADATION_DPF = 0xb0002003;
export const POLICY_PRIORITY_LEAST_USED_DPF = 0xb0002004;
export const POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF = 0xb0002005;

// Load, degradation and DPF values are fractions of 2^32 - 1 (RFC 5356 s5).
export const LOAD_MAX = 0xffffffff;

// Handle Resolution Option "all items" (rsplib).
export const ITEMS_ALL = 0xffffffff;

// Message header and TLV sizes.
export const MESSAGE_HEADER_LENGTH = 4;
export const TLV_HEADER_LENGTH = 4;
