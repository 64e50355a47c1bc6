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
