//! Python objects to Rust values, straight into `serde::Deserialize`.
//!
//! Commands, events and configs are read from dicts without an
//! intermediate JSON value. Dicts, lists, tuples, str, int, bool, float and
//! `None` map to their JSON counterparts; `decimal.Decimal` reads as its
//! plain decimal string (the core's money format) and an aware `datetime`
//! as an RFC 3339 UTC string, so hosts can pass their natural types.
//!
//! Two kinds of failure are kept apart: a Python object of a kind JSON
//! cannot hold is a `TypeError`/`ValueError` naming where it was found;
//! a well-formed value the core rejects is the core's `validation` error.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use oms_core::Command;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use crate::convert::{classes, rfc3339, type_name, utc_time_with, Classes};

/// Dict keys already converted, by the identity of the Python string.
///
/// The same few keys (`order_id`, `sku`, `amount`, …) appear in every
/// command, usually as the very same (interned) string objects, so a bulk
/// load converts each once instead of encoding it again for every dict.
/// Holding the objects keeps their addresses from being reused.
pub(crate) struct Keys<'py> {
    seen: RefCell<KeyMap<'py>>,
    limit: usize,
}

/// Key text by the address of its string object (held, so the address stays its own).
type KeyMap<'py> =
    HashMap<usize, (Bound<'py, PyString>, Rc<str>), BuildHasherDefault<AddressHasher>>;

impl<'py> Keys<'py> {
    /// A cache for a batch; it stops growing at a few thousand keys.
    pub(crate) fn for_batch() -> Self {
        Keys {
            seen: RefCell::default(),
            limit: 4096,
        }
    }

    /// No caching, for single calls.
    pub(crate) fn none() -> Self {
        Keys {
            seen: RefCell::default(),
            limit: 0,
        }
    }

    fn text(&self, key: &Bound<'py, PyString>) -> PyResult<Rc<str>> {
        let address = key.as_ptr() as usize;
        if let Some((_, text)) = self.seen.borrow().get(&address) {
            return Ok(text.clone());
        }
        let text: Rc<str> = Rc::from(&*key.to_cow()?);
        let mut seen = self.seen.borrow_mut();
        if seen.len() < self.limit {
            seen.insert(address, (key.clone(), text.clone()));
        }
        Ok(text)
    }
}

/// Hashes an address: it is already unique, so mixing it once is enough.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// Why a Python object could not be read.
pub(crate) enum FromPyError {
    /// Not representable in the JSON contract (already a Python exception).
    Python(PyErr),
    /// Representable, but not a valid value of the target type.
    Invalid(String),
}

/// Reads `T` from a Python object; `what` names it in messages (e.g. `command`).
pub(crate) fn from_py<'py, T: DeserializeOwned>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    keys: &Keys<'py>,
) -> Result<T, FromPyError> {
    read_with(obj, what, &[], keys, |de| T::deserialize(de))
}

/// The keys of a command dict that are not the command's own fields: the
/// `type` tag and the [`oms_core::CommandOptions`] keys.
const COMMAND_ENVELOPE: &[&str] = &["type", "idempotency_key", "expected_version"];

/// Reads a command. With a `type` tag it goes straight to that command's
/// fields ([`Command::deserialize_named`]), skipping serde's buffering of
/// tagged enums; anything else takes the generic path, which also words
/// the errors for a missing or unknown `type`.
pub(crate) fn command_from_py<'py>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    keys: &Keys<'py>,
) -> Result<Command, FromPyError> {
    let tag = obj
        .cast::<PyDict>()
        .ok()
        .and_then(|d| d.get_item("type").ok().flatten())
        .and_then(|t| t.cast_into::<PyString>().ok())
        .and_then(|t| t.to_cow().ok().map(|c| c.into_owned()));
    // An unknown tag reads as `None` and takes the generic path below.
    if let Some(name) = tag {
        let named = read_with(obj, what, COMMAND_ENVELOPE, keys, |de| {
            Command::deserialize_named(&name, de)
        })?;
        if let Some(command) = named {
            return Ok(command);
        }
    }
    from_py(obj, what, keys)
}

fn read_with<'py, T>(
    obj: &Bound<'py, PyAny>,
    what: &str,
    skip: &'static [&'static str],
    keys: &Keys<'py>,
    read: impl FnOnce(PyDe<'_, 'py>) -> Result<T, DeError>,
) -> Result<T, FromPyError> {
    let cx = Cx {
        classes: classes(obj.py()).map_err(FromPyError::Python)?,
        keys,
        problem: RefCell::new(None),
        path: RefCell::new(Vec::new()),
    };
    match read(PyDe { obj, cx: &cx, skip }) {
        Ok(v) => Ok(v),
        Err(e) => Err(match cx.problem.into_inner() {
            Some((kind, message)) => {
                let path = cx.path.into_inner();
                let place = if path.is_empty() {
                    what.to_string()
                } else {
                    format!("{what}: {}", join_path(path.into_iter().rev()))
                };
                let message = format!("{place}: {message}");
                FromPyError::Python(match kind {
                    Kind::Type => PyTypeError::new_err(message),
                    Kind::Value => PyValueError::new_err(message),
                })
            }
            None => FromPyError::Invalid(e.0),
        }),
    }
}

fn join_path(parts: impl Iterator<Item = Step>) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[derive(Clone, Copy)]
enum Kind {
    Type,
    Value,
}

enum Step {
    Key(String),
    Index(usize),
}

/// Shared by one conversion: the classes to test against, the first
/// Python-level problem, and (filled while unwinding) where it was.
struct Cx<'a, 'py> {
    classes: &'a Classes,
    keys: &'a Keys<'py>,
    problem: RefCell<Option<(Kind, String)>>,
    path: RefCell<Vec<Step>>,
}

impl Cx<'_, '_> {
    fn fail(&self, kind: Kind, message: String) -> DeError {
        let mut p = self.problem.borrow_mut();
        if p.is_none() {
            *p = Some((kind, message));
        }
        DeError("unsupported input".into())
    }

    /// Records a step of the path while unwinding from a Python-level
    /// problem (serde's own errors need no path: the core words them).
    fn unwinding_through(&self, step: impl FnOnce() -> Step) {
        if self.problem.borrow().is_some() {
            self.path.borrow_mut().push(step());
        }
    }
}

/// serde's error; its message becomes the core's `validation` message.
pub(crate) struct DeError(String);

impl fmt::Debug for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

struct PyDe<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    cx: &'a Cx<'a, 'py>,
    /// Keys of this dict to pass over (the `type` tag and the command options, read apart).
    skip: &'static [&'static str],
}

impl<'a, 'py> PyDe<'a, 'py> {
    fn string(&self, s: &Bound<'py, PyString>) -> Result<String, DeError> {
        s.to_cow()
            .map(|c| c.into_owned())
            .map_err(|e| self.cx.fail(Kind::Value, e.to_string()))
    }

    fn py_err(&self, e: PyErr) -> DeError {
        self.cx.fail(Kind::Type, e.to_string())
    }
}

impl<'de, 'a, 'py> de::Deserializer<'de> for PyDe<'a, 'py> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let obj = self.obj;
        let cx = self.cx;
        if let Ok(s) = obj.cast::<PyString>() {
            return visitor.visit_string(self.string(s)?);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return visitor.visit_map(DictAccess {
                items: d.iter(),
                value: None,
                key: None,
                skip: self.skip,
                cx,
            });
        }
        if obj.is_none() {
            return visitor.visit_unit();
        }
        // bool before int: Python's bool is an int.
        if let Ok(b) = obj.cast::<PyBool>() {
            return visitor.visit_bool(b.is_true());
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(i) = obj.extract::<i64>() {
                return visitor.visit_i64(i);
            }
            if let Ok(u) = obj.extract::<u64>() {
                return visitor.visit_u64(u);
            }
            return Err(cx.fail(Kind::Value, format!("integer {obj} is out of range")));
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return visitor.visit_seq(SeqAccess {
                items: l.iter().collect::<Vec<_>>().into_iter(),
                index: 0,
                cx,
            });
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return visitor.visit_seq(SeqAccess {
                items: t.iter().collect::<Vec<_>>().into_iter(),
                index: 0,
                cx,
            });
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(cx.fail(Kind::Value, format!("{v} is not a finite number")));
            }
            return visitor.visit_f64(v);
        }
        let py = obj.py();
        let is = |t: &Py<pyo3::types::PyType>| obj.is_instance(t.bind(py)).unwrap_or(false);
        if is(&cx.classes.decimal) {
            // Plain notation ("100", not "1E+2"): the core's money format.
            let text = obj
                .call_method1("__format__", ("f",))
                .and_then(|t| t.extract::<String>())
                .map_err(|e| self.py_err(e))?;
            return visitor.visit_string(text);
        }
        if is(&cx.classes.datetime) {
            let t =
                utc_time_with(obj, cx.classes).map_err(|e| cx.fail(Kind::Value, e.to_string()))?;
            return visitor.visit_string(rfc3339(t));
        }
        if is(&cx.classes.date) {
            let text = obj
                .call_method0("isoformat")
                .and_then(|t| t.extract::<String>())
                .map_err(|e| self.py_err(e))?;
            return visitor.visit_string(text);
        }
        Err(cx.fail(
            Kind::Type,
            format!(
                "{} is not supported (use dict, list, str, int, bool, float, None, Decimal or datetime)",
                type_name(obj)
            ),
        ))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.obj.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Unit variants are plain strings, e.g. "warehouse".
        if let Ok(s) = self.obj.cast::<PyString>() {
            let s = self.string(s)?;
            return visitor.visit_enum(s.into_deserializer());
        }
        // Variants with data are one-key dicts, as in the core's JSON:
        // {"vertical": {"length": True, ...}}.
        if let Ok(d) = self.obj.cast::<PyDict>() {
            if d.len() == 1 {
                if let Some((k, value)) = d.iter().next() {
                    if let Ok(k) = k.cast::<PyString>() {
                        let name = self.string(k)?;
                        return visitor.visit_enum(OneKey {
                            name,
                            value,
                            cx: self.cx,
                        });
                    }
                }
            }
        }
        self.deserialize_any(EnumMismatch {
            name,
            variants,
            visitor,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// A variant with data: the dict's one key names it, its value holds the data.
struct OneKey<'a, 'py> {
    name: String,
    value: Bound<'py, PyAny>,
    cx: &'a Cx<'a, 'py>,
}

impl<'a, 'py> OneKey<'a, 'py> {
    fn data<T>(self, read: impl FnOnce(PyDe<'_, 'py>) -> Result<T, DeError>) -> Result<T, DeError> {
        let de = PyDe {
            obj: &self.value,
            cx: self.cx,
            skip: &[],
        };
        read(de).inspect_err(|_| self.cx.unwinding_through(|| Step::Key(self.name.clone())))
    }
}

impl<'de, 'a, 'py> de::EnumAccess<'de> for OneKey<'a, 'py> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let variant = seed.deserialize(de::value::StrDeserializer::<DeError>::new(&self.name))?;
        Ok((variant, self))
    }
}

impl<'de, 'a, 'py> de::VariantAccess<'de> for OneKey<'a, 'py> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Err(self.cx.fail(
            Kind::Type,
            format!("{} takes no data: give it as a string", self.name),
        ))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        self.data(|de| seed.deserialize(de))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.data(|de| de::Deserializer::deserialize_seq(de, visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.data(|de| de::Deserializer::deserialize_struct(de, "", fields, visitor))
    }
}

/// Anything else reads as a type error.
struct EnumMismatch<V> {
    name: &'static str,
    variants: &'static [&'static str],
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for EnumMismatch<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = &self.visitor;
        write!(f, "{} as one of {:?}", self.name, self.variants)
    }
}

/// A dict key: text, read as a number where the type wants one (map keys
/// are strings in the JSON contract, e.g. a histogram's minutes).
struct KeyDe<'a>(&'a str);

impl KeyDe<'_> {
    fn number<T: std::str::FromStr>(&self) -> Result<T, DeError> {
        self.0.parse().map_err(|_| {
            <DeError as de::Error>::invalid_type(de::Unexpected::Str(self.0), &"a number")
        })
    }
}

impl<'de> de::Deserializer<'de> for KeyDe<'_> {
    type Error = DeError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_u64(self.number()?)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_u32(self.number()?)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_i64(self.number()?)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::value::StrDeserializer::<DeError>::new(self.0).deserialize_enum(name, variants, visitor)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct DictAccess<'a, 'py> {
    items: pyo3::types::iter::BoundDictIterator<'py>,
    skip: &'static [&'static str],
    key: Option<Bound<'py, PyAny>>,
    value: Option<Bound<'py, PyAny>>,
    cx: &'a Cx<'a, 'py>,
}

impl<'de, 'a, 'py> de::MapAccess<'de> for DictAccess<'a, 'py> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        loop {
            let Some((k, v)) = self.items.next() else {
                return Ok(None);
            };
            let Ok(name) = k.cast::<PyString>() else {
                return Err(self.cx.fail(
                    Kind::Type,
                    format!("keys must be str, got {} {k}", type_name(&k)),
                ));
            };
            let name = self
                .cx
                .keys
                .text(name)
                .map_err(|e| self.cx.fail(Kind::Value, e.to_string()))?;
            if self.skip.contains(&name.as_ref()) {
                continue;
            }
            let key = seed.deserialize(KeyDe(&name))?;
            self.key = Some(k);
            self.value = Some(v);
            return Ok(Some(key));
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value without a key"))?;
        let de = PyDe {
            obj: &value,
            cx: self.cx,
            skip: &[],
        };
        seed.deserialize(de).inspect_err(|_| {
            self.cx.unwinding_through(|| {
                Step::Key(self.key.as_ref().map(|k| k.to_string()).unwrap_or_default())
            })
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct SeqAccess<'a, 'py> {
    items: std::vec::IntoIter<Bound<'py, PyAny>>,
    index: usize,
    cx: &'a Cx<'a, 'py>,
}

impl<'de, 'a, 'py> de::SeqAccess<'de> for SeqAccess<'a, 'py> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        let de = PyDe {
            obj: &item,
            cx: self.cx,
            skip: &[],
        };
        seed.deserialize(de)
            .map(Some)
            .inspect_err(|_| self.cx.unwinding_through(|| Step::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}
