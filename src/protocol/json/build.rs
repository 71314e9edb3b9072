//! Building JSON values in code: [`jv!`](crate::protocol::json::jv), serde_json's `json!`
//! syntax without serde. Interpolated expressions are read by reference through
//! [`ToJson`], one small function per type instead of serde's serializer per type.

use super::{Map, Value};

/// An empty array for [`jv!`] to fill (a function, so that lints do not ask the macro for
/// `vec![]`, which cannot take items one macro step at a time).
#[doc(hidden)]
pub fn items() -> Vec<Value> {
    Vec::new()
}

/// A value that can be written as JSON.
pub trait ToJson {
    /// The value as JSON.
    fn to_json(&self) -> Value;
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl ToJson for Map<String, Value> {
    fn to_json(&self) -> Value {
        Value::Object(self.clone())
    }
}

impl ToJson for str {
    fn to_json(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
integers!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_json)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(T::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}

/// A JSON value from `json!`-style syntax: `jv!({"a": 1, "b": [x, null]})`. Keys are string
/// literals; values are `null`, nested objects and arrays, or expressions implementing
/// [`ToJson`].
#[allow(unused_macros)] // the bindings use it; a build without them does not
macro_rules! jv {
    (null) => { $crate::protocol::json::Value::Null };
    ([]) => { $crate::protocol::json::Value::Array(Vec::new()) };
    ([ $($tt:tt)+ ]) => {{
        let mut items = $crate::protocol::json::items();
        $crate::protocol::json::jv_items!(items () $($tt)+);
        $crate::protocol::json::Value::Array(items)
    }};
    ({}) => { $crate::protocol::json::Value::Object($crate::protocol::json::Map::new()) };
    ({ $($tt:tt)+ }) => {{
        let mut map = $crate::protocol::json::Map::new();
        $crate::protocol::json::jv_fields!(map $($tt)+);
        $crate::protocol::json::Value::Object(map)
    }};
    ($e:expr) => { $crate::protocol::json::ToJson::to_json(&$e) };
}

/// Object fields for [`jv!`]: `"key": value, ...`.
#[allow(unused_macros)]
macro_rules! jv_fields {
    ($m:ident) => {};
    ($m:ident $key:literal : $($rest:tt)+) => {
        $crate::protocol::json::jv_value!($m $key () $($rest)+)
    };
}

/// One field's value for [`jv!`], gathered token by token up to its comma.
#[allow(unused_macros)]
macro_rules! jv_value {
    ($m:ident $key:literal ($($v:tt)+) , $($rest:tt)*) => {
        $m.insert($key.into(), $crate::protocol::json::jv!($($v)+));
        $crate::protocol::json::jv_fields!($m $($rest)*);
    };
    ($m:ident $key:literal ($($v:tt)+)) => {
        $m.insert($key.into(), $crate::protocol::json::jv!($($v)+));
    };
    ($m:ident $key:literal ($($v:tt)*) $next:tt $($rest:tt)*) => {
        $crate::protocol::json::jv_value!($m $key ($($v)* $next) $($rest)*)
    };
}

/// Array items for [`jv!`], gathered token by token up to their commas.
#[allow(unused_macros)] // only arrays with items use it, and some builds have none
macro_rules! jv_items {
    ($items:ident ()) => {};
    ($items:ident ($($v:tt)+) , $($rest:tt)*) => {
        $items.push($crate::protocol::json::jv!($($v)+));
        $crate::protocol::json::jv_items!($items () $($rest)*);
    };
    ($items:ident ($($v:tt)+)) => {
        $items.push($crate::protocol::json::jv!($($v)+));
    };
    ($items:ident ($($v:tt)*) $next:tt $($rest:tt)*) => {
        $crate::protocol::json::jv_items!($items ($($v)* $next) $($rest)*)
    };
}

#[allow(unused_imports)] // see `jv` and `jv_items`
pub(crate) use {jv, jv_fields, jv_items, jv_value};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_json_builds() {
        let name = String::from("x");
        let n: u64 = 7;
        let none: Option<String> = None;
        let list = vec![1i64, -2];
        let built = jv!({
            "a": name,
            "b": {"n": n, "none": none, "nested": [null, true, {"s": "lit"}]},
            "c": list,
            "d": n + 1,
            "e": [],
            "f": {},
        });
        let want = serde_json::json!({
            "a": "x",
            "b": {"n": 7, "none": null, "nested": [null, true, {"s": "lit"}]},
            "c": [1, -2],
            "d": 8,
            "e": [],
            "f": {},
        });
        assert_eq!(built, want);
        assert_eq!(jv!(null), Value::Null);
        assert_eq!(jv!([1u8, "two"]), serde_json::json!([1, "two"]));
    }
}
