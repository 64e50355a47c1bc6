/** Loading of the vendored DMR fixtures (test/fixtures) for the dmr tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CAPTURES, VECTORS } from "../support/fixtures.ts";

export { CAPTURES };

export interface FullLcVector {
  name: string;
  lc: { pf: number; flco: number; fid: number; serviceOptions: number; dst: number; src: number };
  lc9: string;
  rsParity: string;
  headerBlock: string;
  terminatorBlock: string;
  headerBurst: string;
  terminatorBurst: string;
  embeddedChecksum: number;
  embeddedFragments: string[];
}

export interface DmrVectors {
  sync: Record<string, string>;
  fullLc: FullLcVector[];
  bptcErrorCorrection: { cases: { flippedBurstBits: number[]; burst: string; expectedBlock: string }[] };
  slotType: { codewords: string[][] };
  emb: { codewords: string[][][] };
  csbk: {
    name: string;
    fields: { lb: number; pf: number; csbko: number; fid: number; dataFollows: number; group: number; blocksToFollow: number; dst: number; src: number };
    block: string;
    crc: string;
    burst: string;
    cc: number;
    dataType: number;
  }[];
  dataHeader: {
    name: string;
    fields: { group: number; responseRequested: number; dpf: number; sap: number; dst: number; src: number; fullMessage: number; blocksToFollow: number };
    block: string;
    crc: string;
    burst: string;
    cc: number;
    dataType: number;
  }[];
  crcCcitt: { input: string; crc: string };
  talkerAlias: { capture: string; src: number; dst: number; format: string; formatCode: number; length: number; text: string; lcs: string[] }[];
  voiceCalls: {
    name: string;
    params: {
      src: number;
      dst: number;
      ts: number;
      priv: boolean;
      cc: number;
      superframes: number;
      streamId: number;
      repeaterId: number;
      sync: string;
      talkerAlias?: string;
      taFormat?: string;
    };
    dmrd: string[];
  }[];
}

export const vectors: DmrVectors = JSON.parse(readFileSync(join(VECTORS, "dmr-vectors.json"), "utf8"));
