//! The search seed's vocabulary: made-up words in four scripts, generated deterministically and
//! ranked by frequency, and the query each search kind sends.

use std::collections::HashSet;

/// SplitMix64: a tiny deterministic generator, so every run seeds the same vocabulary.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An element of `items` (which must not be empty).
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = (self.next_u64() % items.len().max(1) as u64) as usize;
        items.get(i).copied().unwrap_or("")
    }
}

/// One language of the vocabulary.
#[derive(Debug, Clone)]
pub struct Language {
    /// Name for the report.
    pub name: &'static str,
    /// Words, most frequent first (`words[0]` has rank 1).
    pub words: Vec<String>,
    /// What separates words in a message ("" for CJK: no spaces).
    pub joiner: &'static str,
    /// Share of messages written in it, percent.
    pub share_percent: u32,
}

/// Letters of the made-up Latin-script words (no q, x, j: "no match" queries use them).
const EN_ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br", "st", "tr", "pl",
    "gr", "ch", "sh", "th",
];
/// Vowels of the English-like words.
const EN_VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ea", "ou", "ai", "y"];
/// Codas of the English-like words.
const EN_CODAS: &[&str] = &["", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng"];
/// Vowels of the French/German-like words (with diacritics).
const EU_VOWELS: &[&str] = &["é", "è", "ü", "ö", "ä", "a", "e", "i", "o", "u", "au", "ei", "ê"];
/// Codas of the French/German-like words.
const EU_CODAS: &[&str] = &["", "n", "r", "s", "t", "ß", "ch", "tz", "ll", "nt"];
/// Onsets of the Cyrillic words.
const RU_ONSETS: &[&str] = &[
    "б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш", "щ", "ст",
    "пр", "кр",
];
/// Vowels of the Cyrillic words.
const RU_VOWELS: &[&str] = &["а", "е", "и", "о", "у", "ы", "я", "ю", "ё"];
/// Codas of the Cyrillic words.
const RU_CODAS: &[&str] = &["", "н", "р", "с", "т", "л", "й", "к", "в"];
/// Characters of the CJK words (common kanji/hanzi and katakana).
const CJK_CHARS: &str =
    "日本東京大阪人時間会社学校電話手紙仕事映画音楽天気料理旅行写真新聞雑誌地図駅空港病院銀行郵便公園図書館\
                          山川海島森花火水木金土月年生先私名前友達家族子供男女父母兄弟姉妹朝昼夜今明昨週毎\
                          食飲見聞読書話買売行来帰出入休働遊走歩泳思知分始終開閉教習使作待持住言考\
                          タワーコーヒーパンテレビカメラバスホテルメールゲームニュースチームデータサーバー";

/// Builds `count` distinct syllabic words of at least `min_chars` characters; rarer words get
/// more syllables, as in natural languages.
fn syllabic(
    rng: &mut SplitMix64,
    (onsets, vowels, codas): (&[&str], &[&str], &[&str]),
    count: usize,
    min_chars: usize,
) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut words = Vec::with_capacity(count);
    let mut attempts = 0usize;
    while words.len() < count && attempts < count * 1000 {
        attempts += 1;
        let syllables = match words.len() * 10 / count.max(1) {
            0 => 1,
            1..=4 => 2,
            _ => 3,
        };
        let mut w = String::new();
        for s in 0..syllables {
            w.push_str(rng.pick(onsets));
            w.push_str(rng.pick(vowels));
            if s + 1 == syllables {
                w.push_str(rng.pick(codas));
            }
        }
        if w.chars().count() >= min_chars && seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

/// Builds `count` distinct CJK words: two characters for the commonest fifth, three after.
fn cjk(rng: &mut SplitMix64, count: usize) -> Vec<String> {
    let chars: Vec<String> = CJK_CHARS.chars().map(String::from).collect();
    let pool: Vec<&str> = chars.iter().map(String::as_str).collect();
    let mut seen = HashSet::new();
    let mut words = Vec::with_capacity(count);
    let mut attempts = 0usize;
    while words.len() < count && attempts < count * 1000 {
        attempts += 1;
        let len = if words.len() * 5 < count { 2 } else { 3 };
        let w: String = (0..len).map(|_| rng.pick(&pool)).collect();
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

/// The vocabulary: 5,000 words in four languages (same every run).
pub fn vocabulary() -> Vec<Language> {
    let mut rng = SplitMix64::new(0x6A65_636F);
    vec![
        Language {
            name: "English-like (Latin)",
            words: syllabic(&mut rng, (EN_ONSETS, EN_VOWELS, EN_CODAS), 2000, 4),
            joiner: " ",
            share_percent: 45,
        },
        Language {
            name: "French/German-like (Latin with diacritics)",
            words: syllabic(&mut rng, (EN_ONSETS, EU_VOWELS, EU_CODAS), 800, 4),
            joiner: " ",
            share_percent: 15,
        },
        Language {
            name: "Russian-like (Cyrillic)",
            words: syllabic(&mut rng, (RU_ONSETS, RU_VOWELS, RU_CODAS), 1000, 4),
            joiner: " ",
            share_percent: 20,
        },
        Language {
            name: "Japanese/Chinese-like (CJK, no spaces)",
            words: cjk(&mut rng, 1200),
            joiner: "",
            share_percent: 20,
        },
    ]
}

/// What a search kind sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryKind {
    /// Short label for the table.
    pub label: &'static str,
    /// The `query` argument.
    pub text: String,
    /// Restrict to the viewer's first conversation (`conversationId`).
    pub in_one_conversation: bool,
}

/// The measured kinds, from the vocabulary: rare word, common word, two words, CJK substring,
/// conversation filter, word prefix, no match.
pub fn query_kinds(vocab: &[Language]) -> Vec<QueryKind> {
    let en = vocab.first().map(|l| l.words.as_slice()).unwrap_or_default();
    let all: Vec<&String> = vocab.iter().flat_map(|l| l.words.iter()).collect();
    let word = |rank: usize| en.get(rank - 1).cloned().unwrap_or_default();
    // A rare word that no other word contains (so prefix and substring matches add nothing).
    let rare = en
        .iter()
        .skip(en.len() * 4 / 5)
        .find(|w| all.iter().filter(|o| o.contains(w.as_str())).count() == 1)
        .cloned()
        .unwrap_or_default();
    // A three-character CJK word (trigram-searchable), usually in the middle of a run.
    let cjk = vocab
        .iter()
        .find(|l| l.joiner.is_empty())
        .and_then(|l| l.words.iter().skip(5).find(|w| w.chars().count() == 3))
        .cloned()
        .unwrap_or_default();
    let kind = |label, text: String, in_one_conversation| QueryKind { label, text, in_one_conversation };
    vec![
        kind("rare word", rare, false),
        kind("common word", word(1), false),
        kind("two words", format!("{} {}", word(5), word(40)), false),
        kind("CJK substring", cjk, false),
        kind("common word, one conversation", word(1), true),
        kind("word prefix (3 letters)", word(2).chars().take(3).collect(), false),
        kind("no match", "qxjzv".to_string(), false),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_deterministic_distinct_and_sized() {
        let a = vocabulary();
        let b = vocabulary();
        assert_eq!(a.len(), 4);
        for (la, lb) in a.iter().zip(&b) {
            assert_eq!(la.words, lb.words);
            let distinct: HashSet<&String> = la.words.iter().collect();
            assert_eq!(distinct.len(), la.words.len());
        }
        let sizes: Vec<usize> = a.iter().map(|l| l.words.len()).collect();
        assert_eq!(sizes, [2000, 800, 1000, 1200]);
        assert_eq!(a.iter().map(|l| l.share_percent).sum::<u32>(), 100);
    }

    #[test]
    fn words_are_single_tokens_and_common_ones_short() {
        for lang in vocabulary() {
            for w in &lang.words {
                assert!(w.chars().all(char::is_alphabetic), "{w}");
                assert_eq!(w.to_lowercase(), *w);
            }
            let first = lang.words.first().unwrap().chars().count();
            let last = lang.words.last().unwrap().chars().count();
            assert!(first <= last, "{}: {first} > {last}", lang.name);
        }
    }

    #[test]
    fn query_kinds_are_well_formed() {
        let vocab = vocabulary();
        let kinds = query_kinds(&vocab);
        assert_eq!(kinds.len(), 7);
        assert!(kinds.iter().all(|k| k.text.chars().count() >= 3), "{kinds:?}");
        let all: Vec<&String> = vocab.iter().flat_map(|l| l.words.iter()).collect();
        let rare = &kinds[0].text;
        assert_eq!(all.iter().filter(|w| w.contains(rare.as_str())).count(), 1);
        assert_eq!(kinds[3].text.chars().count(), 3);
        assert!(kinds[3].text.chars().all(|c| !c.is_ascii()));
        assert!(kinds[4].in_one_conversation && kinds.iter().filter(|k| k.in_one_conversation).count() == 1);
        assert!(all.iter().all(|w| !w.contains(&kinds[6].text)));
        assert_eq!(kinds, query_kinds(&vocabulary()));
    }

    #[test]
    fn splitmix_matches_reference_values() {
        // First outputs for seed 0 from the reference implementation (Vigna).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
