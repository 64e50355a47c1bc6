/**
 * Config sections for federation (owned by the federation work): `[[openbridge]]`, `[[upstream]]`.
 * Placeholder until federation lands; the composed schema in ../schema.ts imports these.
 * @module
 */
import { Type } from "@sinclair/typebox";

/** Top-level properties this file contributes to the config object. */
export const federationSections = {};

void Type;
