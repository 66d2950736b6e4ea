// The Script values of Unicode 17 (PropertyValueAliases.txt, short aliases), Common,
// Inherited and Unknown aside. A test checks that every assigned character the engine
// knows is in one of them or is Common or Inherited, so a newer Unicode is noticed.
const SCRIPT_CODES = `Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi
  Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor
  Glag Gong Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Kali
  Kana Kawi Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand
  Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck
  Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw
  Shaw Shrd Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo
  Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii
  Zanb`.split(/\s+/);

// A script newer than the engine's Unicode is a syntax error in a pattern; its letters are
// unassigned there, which the username rules refuse anyway.
const SCRIPTS: readonly (readonly [string, RegExp])[] = SCRIPT_CODES.flatMap((code) => {
  try {
    return [[code, new RegExp(`\\p{Script_Extensions=${code}}`, 'u')] as const];
  } catch {
    return [];
  }
});

/** The script codes this engine's patterns know, for the test that they cover its Unicode. */
export const KNOWN_SCRIPT_CODES: readonly string[] = SCRIPTS.map(([code]) => code);

const ASCII = /^[\x20-\x7e]*$/;

// Common and Inherited characters (digits, `_`, `-`, `.`, emoji, most combining marks) go with any script.
const ANY_SCRIPT = /[\p{Script_Extensions=Zyyy}\p{Script_Extensions=Zinh}]/u;

// UTS #39 §5.1: the writing systems that mix scripts, added to the scripts they use, so that
// Han with Hiragana is Japanese and Han with Hangul is Korean, each a single script.
const WRITING_SYSTEMS: Readonly<Record<string, readonly string[]>> = {
  Hani: ['Hanb', 'Jpan', 'Kore'],
  Hira: ['Jpan'],
  Kana: ['Jpan'],
  Hang: ['Kore'],
  Bopo: ['Hanb'],
};

/** Scripts a character may be written in; `null` for any (Common and Inherited). */
type ScriptSet = ReadonlySet<string> | null;

function augmentedScripts(character: string): ScriptSet {
  if (ANY_SCRIPT.test(character)) return null;
  const scripts = new Set<string>();
  for (const [code, pattern] of SCRIPTS) {
    if (!pattern.test(character)) continue;
    scripts.add(code);
    for (const system of WRITING_SYSTEMS[code] ?? []) scripts.add(system);
  }
  return scripts;
}

function intersect(a: ScriptSet, b: ScriptSet): ScriptSet {
  if (a === null) return b;
  if (b === null) return a;
  return new Set([...a].filter((code) => b.has(code)));
}

/**
 * Whether a name meets the "Highly Restrictive" level of UTS #39 §5.2: it is
 * in one script, Common and Inherited characters going with any (§5.1, the
 * resolved script set of its characters' Script_Extensions is not empty), or
 * it is Latin with Han and Japanese kana, with Han and Bopomofo, or with Han
 * and Hangul. `аlice` (Cyrillic а) and `αlice` (Greek α) are refused;
 * `дмитрий`, `山田たろう`, `taro山田` and `alice_01` pass. The test is ICU's
 * (`SpoofChecker`): the set resolved without the Latin letters must hold
 * Chinese, Japanese or Korean. Identifier_Status is not applied: usernames
 * may hold symbols and emoji, which are Common.
 *
 * @example
 * isHighlyRestrictive('alice'); // true
 * isHighlyRestrictive('\u0430lice'); // false: Cyrillic а with Latin
 */
export function isHighlyRestrictive(name: string): boolean {
  // ASCII is one script with Common (the "ASCII-Only" level). Other names cost one test per
  // script for each distinct character: at most 64 of them, under a millisecond.
  if (ASCII.test(name)) return true;
  let resolved: ScriptSet = null;
  let withoutLatin: ScriptSet = null;
  for (const character of new Set(name)) {
    const scripts = augmentedScripts(character);
    resolved = intersect(resolved, scripts);
    if (scripts === null || !scripts.has('Latn')) withoutLatin = intersect(withoutLatin, scripts);
  }
  if (resolved === null || resolved.size > 0) return true;
  const rest = withoutLatin;
  return rest !== null && ['Hanb', 'Jpan', 'Kore'].some((system) => rest.has(system));
}
