/**
 * What DMR ids mean to the router: radio ids versus dial numbers / services, the talkgroup range.
 * @module
 */

/** Radio ids below this are dial numbers / services, not radios (freedmr-reference.md §1.14). */
export const FIRST_RADIO_ID = 1_000_000;

/** Largest talkgroup id (24 bits). */
export const TG_MAX = 16777215;
