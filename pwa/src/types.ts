export interface Me {
  id: string;
  username: string;
  display_name: string;
  role: string;
  department_id: string;
  department_name?: string;
  region_id?: string;
  certificate_no?: string | null;
  legal_qualified?: boolean;
}

export interface UserBrief {
  id: string;
  username: string;
  display_name: string;
  role: string;
  certificate_no?: string | null;
}

export interface Party {
  type: "person" | "organisation";
  name: string;
  id_no?: string;
  address?: string;
  contact?: string;
}

export interface StageInfo {
  code: string;
  name: string;
  conditional?: boolean;
  required_records?: string[];
}

export interface CaseRec {
  id: string;
  case_no?: string | null;
  department_id?: string;
  procedure_type: string;
  procedure_kind?: string;
  cause: string;
  party: Party;
  officer_ids: string[];
  stage?: string;
  stage_name?: string;
  stages?: StageInfo[];
  is_major?: boolean;
  has_unresolved_conflict?: boolean;
  closed?: boolean;
  trail_length?: number;
  trail_head?: string;
  deadlines?: { code: string; due: string; name: string }[];
  created_at?: string;
  /** Opened on this device and not yet acknowledged by the server. */
  local?: boolean;
}

export interface Location {
  lat: number;
  lon: number;
  accuracy: number;
  source: string;
  fix_time?: string;
}

export interface Op {
  op_id: string;
  device_id: string;
  device_seq: number;
  case_id: string;
  kind: string;
  base_seq: number;
  payload: Record<string, unknown>;
  media: string[];
  device_time: string;
  hlc: string;
  location: Location | null;
  signature?: string;
}

export type OpStatus = "applied" | "merged" | "conflict" | "rejected" | "duplicate";

export interface OpResult {
  op_id: string;
  device_seq: number;
  status: OpStatus;
  seq?: number | null;
  case_seq?: number | null;
  hash?: string | null;
  reason?: string | null;
  code?: string | null;
}

export interface OpRec {
  device_seq: number;
  op: Op;
  case_id: string;
  state: "pending" | "done";
  result?: OpResult;
  created_at: number;
  attempts: number;
  last_error?: string;
}

export interface BlobRec {
  sha256: string;
  blob: Blob;
  filename: string;
  content_type: string;
  size: number;
  case_id: string;
  state: "pending" | "uploaded";
  created_at: number;
  attempts: number;
  last_error?: string;
}

export interface Entry {
  seq: number;
  case_id: string;
  case_seq: number;
  kind: string;
  payload: Record<string, unknown>;
  media: string[];
  actors: string[];
  author_name?: string;
  device_id?: string | null;
  op_id?: string | null;
  device_time?: string | null;
  hlc?: string | null;
  server_time: string;
  location?: Location | null;
  flags?: string[];
  prev_hash: string;
  hash: string;
  evidence_pending?: string[];
}
