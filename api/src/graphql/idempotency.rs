//! The idempotency key of a create mutation, fingerprinted with the arguments the client
//! sent, so a retry is recognised and a reused key with another input is refused.

use crate::service::idempotency::Key;
use async_graphql::{Context, Name, Value};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const KEY_FIELD: &str = "clientMutationId";

pub fn key(
    ctx: &Context<'_>,
    client_mutation_id: Option<&str>,
) -> async_graphql::Result<Option<Key>> {
    let mut canonical = String::new();
    for (name, value) in ctx.field().arguments()? {
        write_named(&mut canonical, &name, &value);
    }
    let fingerprint = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    Ok(Key::new(client_mutation_id, fingerprint)?)
}

fn write_named(out: &mut String, name: &Name, value: &Value) {
    out.push_str(&serde_json::to_string(name.as_str()).unwrap_or_default());
    out.push(':');
    write(out, value);
    out.push(';');
}

/// One spelling per input: object fields sorted, the key itself and explicit nulls left out
/// (an absent optional field and a null one mean the same to every create).
fn write(out: &mut String, value: &Value) {
    match value {
        Value::Object(fields) => {
            let mut named: Vec<_> = fields
                .iter()
                .filter(|(n, v)| n.as_str() != KEY_FIELD && !matches!(v, Value::Null))
                .collect();
            named.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            out.push('{');
            for (n, v) in named {
                write_named(out, n, v);
            }
            out.push('}');
        }
        Value::List(items) => {
            out.push('[');
            for v in items {
                write(out, v);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::value;

    fn spelled(v: Value) -> String {
        let mut s = String::new();
        write(&mut s, &v);
        s
    }

    #[test]
    fn order_nulls_and_the_key_do_not_matter_but_values_do() {
        let a = spelled(value!({ "name": "甲", "tags": ["x", "y"], "clientMutationId": "k1" }));
        let b = spelled(
            value!({ "clientMutationId": "k2", "notes": null, "tags": ["x", "y"], "name": "甲" }),
        );
        assert_eq!(a, b);
        assert_ne!(a, spelled(value!({ "name": "乙", "tags": ["x", "y"] })));
        assert_ne!(a, spelled(value!({ "name": "甲", "tags": ["y", "x"] })));
        assert_ne!(spelled(value!({ "a": "1" })), spelled(value!({ "a": 1 })));
    }
}
