/**
 * Start-up warnings about a config that is valid but unwise. Never include the secret itself.
 * @module
 */
import { DEFAULT_PASSPHRASE, type Config } from "../config/schema.ts";

export function passphraseWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.hbp.enabled && config.hbp.passphrase === DEFAULT_PASSPHRASE) {
    warnings.push(
      "hbp.passphrase is the public default (FreeDMR's stock passphrase): anyone can log in as any repeater id. Set your own passphrase in the [hbp] section of the config.",
    );
  }
  config.hbp.access_rules.forEach((rule, index) => {
    if (rule.passphrase === DEFAULT_PASSPHRASE) {
      warnings.push(`hbp.access_rules[${index}].passphrase is the public default passphrase.`);
    }
  });
  return warnings;
}

/**
 * A config that starts a server doing nothing: no HBP master and no enabled link. Valid (e.g. while
 * preparing a config) but almost certainly not what was meant.
 */
export function idleWarnings(config: Config): string[] {
  const links = config.openbridge.some((link) => link.enabled) || config.upstream.some((link) => link.enabled);
  if (config.hbp.enabled || links) return [];
  return [
    "nothing to serve: hbp.enabled is false and no [[openbridge]] or [[upstream]] link is enabled, so no hotspot, repeater or server can reach this freedmr. Set hbp.enabled = true or enable a link.",
  ];
}
