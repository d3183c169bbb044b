//! What a person types about themselves, parsed once into values that are always valid.

use super::Language;
use std::fmt;

/// Why a field was refused. The web layer turns it into words in the reader's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    ControlCharacters,
    NotUsPhone,
    NotEmail,
    UnknownLanguage,
    /// Not one of the offered choices.
    UnknownChoice,
    /// Under 18: the clinic takes these requests by phone only.
    Under18,
}

pub const NAME_MAX: usize = 60;
pub const EMAIL_MAX: usize = 254;
pub const NOTE_MAX: usize = 500;

/// The invisible marks that reorder text shown after them (embeddings, overrides, isolates,
/// and the left-to-right, right-to-left and Arabic letter marks): in what a person typed,
/// shown on a staff page, they could make a list read as something else.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

fn check_text(raw: &str, max: usize, allow_newlines: bool) -> Result<String, Problem> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    let refused = |c: char| {
        (c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'))) || is_bidi_control(c)
    };
    if text.chars().any(refused) {
        return Err(Problem::ControlCharacters);
    }
    Ok(text.to_owned())
}

redacted_debug!(PersonName, Phone, Email);

/// A first or last name: trimmed, never empty, at most [`NAME_MAX`] characters.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, Problem> {
        let text = check_text(raw, NAME_MAX, false)?;
        if text.is_empty() {
            return Err(Problem::Required);
        }
        Ok(PersonName(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A US (NANP) phone number, kept in E.164 form: `+1` and ten digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts the ways people write a US number: `(909) 555-0123`, `909.555.0123`,
    /// `+1 909 555 0123`, `1-909-555-0123`.
    pub fn parse(raw: &str) -> Result<Phone, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        if raw.chars().count() > 30 {
            return Err(Problem::NotUsPhone);
        }
        let mut digits = String::with_capacity(11);
        for (i, c) in raw.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(Problem::NotUsPhone),
            }
        }
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('1') => &digits[1..],
            _ => return Err(Problem::NotUsPhone),
        };
        let bytes = national.as_bytes();
        // NANP: area code and exchange start with 2-9; N11 area codes are service codes.
        let area_ok = bytes[0] >= b'2' && !(bytes[1] == b'1' && bytes[2] == b'1');
        let exchange_ok = bytes[3] >= b'2';
        if !area_ok || !exchange_ok {
            return Err(Problem::NotUsPhone);
        }
        Ok(Phone(format!("+1{national}")))
    }

    /// The stored E.164 form, e.g. `+19095550123`.
    pub fn e164(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    /// The familiar US form, e.g. `(909) 555-0123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0[2..];
        write!(f, "({}) {}-{}", &d[..3], &d[3..6], &d[6..])
    }
}

/// An e-mail address: one `@`, something before it, a dotted domain after it.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// An empty field is no e-mail at all; anything else must look like an address.
    pub fn parse_optional(raw: &str) -> Result<Option<Email>, Problem> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > EMAIL_MAX {
            return Err(Problem::TooLong { max: EMAIL_MAX });
        }
        let Some((local, domain)) = text.split_once('@') else {
            return Err(Problem::NotEmail);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        let clean = text.chars().all(|c| !c.is_whitespace() && !c.is_control() && !is_bidi_control(c));
        if local.is_empty() || !domain_ok || !clean {
            return Err(Problem::NotEmail);
        }
        Ok(Some(Email(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text note for intake: optional, at most [`NOTE_MAX`] characters.
pub fn parse_note(raw: &str) -> Result<Option<String>, Problem> {
    let text = check_text(raw, NOTE_MAX, true)?;
    Ok((!text.is_empty()).then_some(text))
}

/// A word as name searches compare it: lower case, accents dropped, letters and digits only
/// ("O'Brien" → "obrien", "ÁLVAREZ" → "alvarez"). The database folds names the same way, and
/// parts them at anything else (see `store::intake::find`).
pub fn search_word(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// What may be asked for at the group (an interpreter, a wheelchair space): one short line.
pub const ACCOMMODATION_MAX: usize = 200;

pub fn parse_accommodation(raw: &str) -> Result<Option<String>, Problem> {
    let text = check_text(raw, ACCOMMODATION_MAX, false)?;
    Ok((!text.is_empty()).then_some(text))
}

/// A yes-or-no question that may be left unanswered: "yes", "no" or nothing.
pub fn parse_optional_yes_no(raw: &str) -> Result<Option<bool>, Problem> {
    match raw.trim() {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        _ => Err(Problem::UnknownChoice),
    }
}

/// The preferred language field: empty means English.
pub fn parse_language(raw: &str) -> Result<Language, Problem> {
    if raw.trim().is_empty() {
        return Ok(Language::En);
    }
    Language::from_code(raw).ok_or(Problem::UnknownLanguage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_never_empty() {
        assert_eq!(PersonName::parse("  Ana ").unwrap().as_str(), "Ana");
        assert_eq!(PersonName::parse("   "), Err(Problem::Required));
        assert_eq!(PersonName::parse(&"a".repeat(NAME_MAX + 1)), Err(Problem::TooLong { max: NAME_MAX }));
        assert_eq!(PersonName::parse("Jos\u{0}e"), Err(Problem::ControlCharacters));
        assert!(PersonName::parse(&"é".repeat(NAME_MAX)).is_ok());
        for mark in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}'] {
            assert_eq!(
                PersonName::parse(&format!("Ana{mark}Ruiz")),
                Err(Problem::ControlCharacters),
                "{mark:?}"
            );
            assert_eq!(parse_note(&format!("Mornings{mark} only")), Err(Problem::ControlCharacters));
            assert_eq!(Email::parse_optional(&format!("a{mark}b@example.com")), Err(Problem::NotEmail));
        }
        assert!(PersonName::parse("Núñez-O'Brien").is_ok(), "accents, ñ and apostrophes are names");
    }

    #[test]
    fn us_phone_numbers_in_common_spellings_become_e164() {
        for raw in ["(909) 555-0123", "909.555.0123", "+1 909 555 0123", "1-909-555-0123", "9095550123"] {
            assert_eq!(Phone::parse(raw).unwrap().e164(), "+19095550123", "{raw}");
        }
        assert_eq!(Phone::parse("9095550123").unwrap().to_string(), "(909) 555-0123");
    }

    #[test]
    fn numbers_that_are_not_us_phones_are_refused() {
        for raw in [
            "12345",
            "+44 20 7946 0958",
            "(109) 555-0123",
            "(909) 155-0123",
            "911-555-0123",
            "909-555-012x",
            "2+909 555 0123",
        ] {
            assert_eq!(Phone::parse(raw), Err(Problem::NotUsPhone), "{raw}");
        }
        assert_eq!(Phone::parse(""), Err(Problem::Required));
    }

    #[test]
    fn email_is_optional_but_checked_when_given() {
        assert_eq!(Email::parse_optional("  "), Ok(None));
        assert_eq!(Email::parse_optional("ana@example.org").unwrap().unwrap().as_str(), "ana@example.org");
        for raw in ["ana", "ana@", "@example.org", "ana@example", "ana @example.org", "ana@example..org"] {
            assert_eq!(Email::parse_optional(raw), Err(Problem::NotEmail), "{raw}");
        }
    }

    #[test]
    fn patient_values_do_not_print_in_debug_output() {
        let phone = Phone::parse("9095550123").unwrap();
        let name = PersonName::parse("Ana").unwrap();
        let email = Email::parse_optional("ana@example.org").unwrap().unwrap();
        assert_eq!(format!("{phone:?} {name:?} {email:?}"), "Phone(…) PersonName(…) Email(…)");
    }

    #[test]
    fn notes_keep_line_breaks_and_have_a_limit() {
        assert_eq!(parse_note("line one\nline two").unwrap().unwrap(), "line one\nline two");
        assert_eq!(parse_note(""), Ok(None));
        assert_eq!(parse_note(&"x".repeat(NOTE_MAX + 1)), Err(Problem::TooLong { max: NOTE_MAX }));
    }
}
