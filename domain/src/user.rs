//! Users: e-mail addresses, passwords, names, and the org tree's one rule.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UserError {
    #[error("is not a valid e-mail address")]
    InvalidEmail,
    #[error(
        "must be at least {min} characters and hard to guess (not a common password, word pattern or your own name or e-mail)"
    )]
    WeakPassword { min: usize },
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("would make a cycle in the org tree")]
    ManagerCycle,
    #[error("a user cannot be their own manager")]
    SelfManager,
}

/// An e-mail address, trimmed and lower-cased: addresses are unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, UserError> {
        let s = input.trim().to_lowercase();
        if s.chars().count() > 254 {
            return Err(UserError::TooLong { max: 254 });
        }
        let Some((local, host)) = s.split_once('@') else {
            return Err(UserError::InvalidEmail);
        };
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if host_ok && local_ok {
            Ok(Email(s))
        } else {
            Err(UserError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_LEN: usize = 10;

/// Only the first characters are scored: the estimator's cost grows with the length, and a
/// password this long is strong if its start is.
const SCORED_CHARS: usize = 64;

/// Checks a new password: 10 to 1024 characters and hard to guess, scored by zxcvbn against
/// 30,000 common passwords, names, words, keyboard patterns, dates and the user's own
/// e-mail and name (`user_inputs`). Passphrases pass without symbol rules.
pub fn check_password_strength(password: &str, user_inputs: &[&str]) -> Result<(), UserError> {
    let weak = UserError::WeakPassword {
        min: MIN_PASSWORD_LEN,
    };
    if password.chars().count() < MIN_PASSWORD_LEN || password.len() > 1024 {
        return Err(weak);
    }
    let scored: String = password.chars().take(SCORED_CHARS).collect();
    // The e-mail's parts count separately: "li.wei@example.com" gives "li", "wei" too.
    let mut inputs: Vec<&str> = user_inputs.to_vec();
    for i in user_inputs {
        inputs.extend(i.split('@').next());
        inputs.extend(i.split(['@', '.', '-', '_', ' ']).filter(|p| p.len() > 2));
    }
    if zxcvbn::zxcvbn(&scored, &inputs).score() < zxcvbn::Score::Three {
        return Err(weak);
    }
    Ok(())
}

/// Refuses a manager change that would put `user` below itself. `chain_above_new_manager`
/// is the new manager followed by its managers up to the root.
pub fn check_manager_change(
    user: uuid::Uuid,
    new_manager: Option<uuid::Uuid>,
    chain_above_new_manager: &[uuid::Uuid],
) -> Result<(), UserError> {
    match new_manager {
        None => Ok(()),
        Some(m) if m == user => Err(UserError::SelfManager),
        Some(_) if chain_above_new_manager.contains(&user) => Err(UserError::ManagerCycle),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Li.Wei@Example.COM ").map(|e| e.0),
            Ok("li.wei@example.com".to_string())
        );
        for bad in ["", "no-at", "a@b", "@x.cn", "a@.cn", "a b@x.cn", "a@x..cn"] {
            assert_eq!(Email::parse(bad), Err(UserError::InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        let me = ["wang.xiaoming@example.com", "王小明"];
        for bad in [
            "short1!",
            "aaaaaaaaaaaa",
            "12345678901",
            "Password123!",
            "abcdefghijk",
            "qwertyuiop12",
            "iloveyou2024",
            "Xiaoming2024!",
            "wang.xiaoming1",
            "1qaz2wsx3edc",
        ] {
            assert!(check_password_strength(bad, &me).is_err(), "{bad}");
        }
        for good in [
            "Tea-with-Ming-42",
            "correct horse battery staple",
            "我们明天一起去喝茶吧",
            "Demo-Kehu-2026",
            "Correct-Horse-42",
        ] {
            assert!(check_password_strength(good, &me).is_ok(), "{good}");
        }
        assert!(check_password_strength(&"x".repeat(1025), &me).is_err());
        assert!(check_password_strength(&"Tea-with-Ming-42".repeat(60), &me).is_ok());
    }

    #[test]
    fn cycles_are_refused() {
        let [a, b, c] = [
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
        ];
        assert_eq!(
            check_manager_change(a, Some(a), &[a]),
            Err(UserError::SelfManager)
        );
        assert_eq!(
            check_manager_change(a, Some(c), &[c, b, a]),
            Err(UserError::ManagerCycle)
        );
        assert_eq!(check_manager_change(a, Some(c), &[c, b]), Ok(()));
        assert_eq!(check_manager_change(a, None, &[]), Ok(()));
    }
}
