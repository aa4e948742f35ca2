//! Reading job settings JSON: key normalisation (console PascalCase and wire camelCase both become
//! PascalCase) and a cursor that remembers its JSON path, so every error names the setting.

use serde_json::{Map, Value};

use super::error::SettingsError;

/// Members whose children are names the user chose (`"Audio Selector 1"`), not API members:
/// their keys are kept as written.
pub(crate) const USER_NAMED_MAPS: &[&str] = &[
    "AudioSelectors",
    "CaptionSelectors",
    "AudioSelectorGroups",
    "DynamicAudioSelectors",
];

/// Rewrites every API member name to PascalCase. The MediaConvert wire format is exactly the
/// console's member names with a lower-case first letter (`h264Settings` ↔ `H264Settings`,
/// `m3u8Settings` ↔ `M3u8Settings`), and enum values are UPPER_CASE in both, so upper-casing
/// the first letter is a lossless mapping.
pub fn normalize_keys(value: &Value) -> Value {
    normalize(value, false)
}

fn normalize(value: &Value, keep_keys: bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, child) in map {
                let key = if keep_keys { key.clone() } else { pascal(key) };
                let child = normalize(child, USER_NAMED_MAPS.contains(&key.as_str()));
                out.insert(key, child);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, false)).collect()),
        other => other.clone(),
    }
}

fn pascal(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A position in the (normalised) settings tree plus its PascalCase JSON path.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub path: String,
}

type Res<T> = Result<T, SettingsError>;

impl<'a> Node<'a> {
    pub fn root(value: &'a Value, path: &str) -> Self {
        Node {
            value,
            path: path.to_string(),
        }
    }

    pub fn err(&self, reason: impl Into<String>) -> SettingsError {
        SettingsError::new(self.path.clone(), reason)
    }

    fn key_path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The member `key`, if present and not null.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(Node {
                value,
                path: self.key_path(key),
            }),
        }
    }

    /// The member `key`, which must be present.
    pub fn require(&self, key: &str) -> Res<Node<'a>> {
        self.get(key)
            .ok_or_else(|| SettingsError::new(self.key_path(key), "required"))
    }

    /// An object member (absent → None; not an object → error).
    pub fn object(&self, key: &str) -> Res<Option<Node<'a>>> {
        match self.get(key) {
            Some(node) if node.value.is_object() => Ok(Some(node)),
            Some(node) => Err(node.err("must be an object")),
            None => Ok(None),
        }
    }

    /// An array member's items (absent → empty).
    pub fn array(&self, key: &str) -> Res<Vec<Node<'a>>> {
        let Some(node) = self.get(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = node.value else {
            return Err(node.err("must be an array"));
        };
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                path: format!("{}[{i}]", node.path),
            })
            .collect())
    }

    pub fn str(&self, key: &str) -> Res<Option<&'a str>> {
        match self.get(key) {
            Some(Node {
                value: Value::String(s),
                ..
            }) => Ok(Some(s.as_str())),
            Some(node) => Err(node.err("must be a string")),
            None => Ok(None),
        }
    }

    /// A number member; MediaConvert's integers sometimes arrive as floats (`10.0`) from tools.
    pub fn num(&self, key: &str) -> Res<Option<f64>> {
        match self.get(key) {
            Some(node) => match node.value.as_f64() {
                Some(n) if n.is_finite() => Ok(Some(n)),
                _ => Err(node.err("must be a number")),
            },
            None => Ok(None),
        }
    }

    /// An integer member within `min..=max`.
    pub fn int(&self, key: &str, min: i64, max: i64) -> Res<Option<i64>> {
        let Some(n) = self.num(key)? else {
            return Ok(None);
        };
        let path = self.key_path(key);
        if n.fract() != 0.0 {
            return Err(SettingsError::new(
                path,
                format!("{n} must be a whole number"),
            ));
        }
        let n = n as i64;
        if n < min || n > max {
            return Err(SettingsError::new(
                path,
                format!("{n} out of range {min}..={max}"),
            ));
        }
        Ok(Some(n))
    }

    /// An enum member: absent → None; present but not in `supported` → "`X` not supported".
    pub fn enum_of(&self, key: &str, supported: &[&'static str]) -> Res<Option<&'static str>> {
        let Some(value) = self.str(key)? else {
            return Ok(None);
        };
        supported
            .iter()
            .find(|s| **s == value)
            .copied()
            .map(Some)
            .ok_or_else(|| SettingsError::new(self.key_path(key), format!("{value} not supported")))
    }

    /// Fails if `key` is present with a value that would change the output (non-empty object or
    /// array, or any scalar) — for features the engine does not implement.
    pub fn reject(&self, key: &str, what: &str) -> Res<()> {
        match self.get(key) {
            None => Ok(()),
            Some(node) => {
                let empty = match node.value {
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    _ => false,
                };
                if empty {
                    Ok(())
                } else {
                    Err(node.err(format!("{what} not supported")))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_case_becomes_pascal_case_but_selector_names_stay() {
        let wire = json!({"settings": {"outputGroups": [{"outputs": [{"videoDescription":
            {"codecSettings": {"codec": "H_264", "h264Settings": {"qvbrSettings": {}}}}}]}],
            "inputs": [{"audioSelectors": {"audio Selector 1": {"defaultSelection": "DEFAULT"}}}]}});
        let n = normalize_keys(&wire);
        assert!(
            n["Settings"]["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["CodecSettings"]
                ["H264Settings"]["QvbrSettings"]
                .is_object()
        );
        let selectors = &n["Settings"]["Inputs"][0]["AudioSelectors"];
        assert_eq!(selectors["audio Selector 1"]["DefaultSelection"], "DEFAULT");
    }

    #[test]
    fn errors_name_the_path() {
        let v = json!({"A": [{"Codec": "AV1", "N": 1.5}]});
        let root = Node::root(&v, "Settings");
        let item = &root.array("A").unwrap()[0];
        let err = item.enum_of("Codec", &["H_264"]).unwrap_err();
        assert_eq!(err.to_string(), "Settings.A[0].Codec: AV1 not supported");
        assert_eq!(item.int("N", 0, 9).unwrap_err().path, "Settings.A[0].N");
    }
}
