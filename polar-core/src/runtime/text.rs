//! [`Str`] and [`Id`]: the model's strings and Polar's ids, their short text inline.
//!
//! One representation serves both (`Small`): up to `N` bytes inline, longer text on the
//! heap, shared (`Arc<str>`, so a clone is O(1)). Hand-written rather than a crate's:
//! `smol_str`'s constructor slices a `str` (a panic path that links core's string-slice
//! error and its `char` escaping and Unicode tables, about 4 KB gzipped in a wasm module)
//! and keeps 23 bytes, not a UUID's 36. polar-core has no `unsafe`, so the inline bytes are
//! checked as UTF-8 again when read (a few instructions for ASCII text).

use super::patch::Patch;
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The length of inline text. An enum, not a `u8`, so that the values past 38 are free
/// for the layout to mark the heap case with: a [`Str`] is 24 bytes (an `Option<Str>`
/// too), as a `String` is.
#[derive(Clone, Copy)]
#[repr(u8)]
#[rustfmt::skip]
enum Len {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19,
    L20, L21, L22, L23, L24, L25, L26, L27, L28, L29, L30, L31, L32, L33, L34, L35, L36, L37,
    L38,
}

/// Every [`Len`] by its value: what a length turns into, without `unsafe`.
#[rustfmt::skip]
const LENS: [Len; 39] = {
    use Len::*;
    [
        L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18,
        L19, L20, L21, L22, L23, L24, L25, L26, L27, L28, L29, L30, L31, L32, L33, L34, L35,
        L36, L37, L38,
    ]
};

/// Text of up to `N` bytes inline (`N` at most 38), longer text on the heap.
#[derive(Clone)]
enum Small<const N: usize> {
    /// `len` bytes of `bytes`, all of a `str`'s (so always UTF-8).
    Inline {
        len: Len,
        bytes: [u8; N],
    },
    Heap(Arc<str>),
}

impl<const N: usize> Small<N> {
    fn new(text: &str) -> Self {
        match LENS.get(text.len()) {
            Some(&len) if text.len() <= N => {
                // A zip, not `copy_from_slice`: no length check left to fail (and its
                // panic code).
                let mut bytes = [0; N];
                for (to, from) in bytes.iter_mut().zip(text.as_bytes()) {
                    *to = *from;
                }
                Small::Inline { len, bytes }
            }
            _ => Small::Heap(Arc::from(text)),
        }
    }

    /// Text already on the heap stays there (shared) when it is too long to go inline.
    fn from_shared(text: Arc<str>) -> Self {
        match text.len() <= N {
            true => Small::new(&text),
            false => Small::Heap(text),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The bytes came whole from a `str`: the empty text is never what this gives.
            Small::Inline { len, bytes } => bytes
                .get(..*len as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Small::Heap(s) => s,
        }
    }

    /// The same text with room for `M` inline bytes (heap text stays shared when it is
    /// too long for them).
    fn resize<const M: usize>(self) -> Small<M> {
        match self {
            Small::Heap(s) => Small::from_shared(s),
            inline => Small::new(inline.as_str()),
        }
    }

    fn into_shared(self) -> Arc<str> {
        match self {
            Small::Heap(s) => s,
            inline => Arc::from(inline.as_str()),
        }
    }
}

/// The traits both types share: what a string type offers, by their text.
macro_rules! text_type {
    ($ty:ident, $inline:literal) => {
        impl $ty {
            /// The text `text` (any string: `&str`, `String`, another `Str` or `Id`).
            pub fn new(text: impl AsRef<str>) -> Self {
                $ty(Small::new(text.as_ref()))
            }

            /// Its text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            #[doc = concat!("Whether its text is on the heap (longer than ", $inline, " bytes).")]
            pub fn is_heap_allocated(&self) -> bool {
                matches!(self.0, Small::Heap(_))
            }
        }

        impl Default for $ty {
            /// The empty text.
            fn default() -> Self {
                $ty::new("")
            }
        }

        impl std::ops::Deref for $ty {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl Borrow<str> for $ty {
            fn borrow(&self) -> &str {
                self.as_str()
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }
        impl Eq for $ty {}

        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.as_str().hash(state)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $ty {
            fn from(text: &str) -> Self {
                $ty::new(text)
            }
        }
        impl From<&mut str> for $ty {
            fn from(text: &mut str) -> Self {
                $ty::new(text)
            }
        }
        impl From<&String> for $ty {
            fn from(text: &String) -> Self {
                $ty::new(text)
            }
        }
        impl From<String> for $ty {
            fn from(text: String) -> Self {
                $ty::new(text)
            }
        }
        impl From<Box<str>> for $ty {
            fn from(text: Box<str>) -> Self {
                $ty::new(text)
            }
        }
        impl From<std::borrow::Cow<'_, str>> for $ty {
            fn from(text: std::borrow::Cow<'_, str>) -> Self {
                $ty::new(text)
            }
        }
        impl From<Arc<str>> for $ty {
            /// Shares the text when it goes on the heap.
            fn from(text: Arc<str>) -> Self {
                $ty(Small::from_shared(text))
            }
        }
        impl From<$ty> for String {
            fn from(text: $ty) -> Self {
                text.as_str().to_owned()
            }
        }
        impl From<$ty> for Arc<str> {
            /// Shares the text when it is on the heap.
            fn from(text: $ty) -> Self {
                text.0.into_shared()
            }
        }

        /// `"text".into()` sets a field of this type.
        impl From<&str> for Patch<$ty> {
            fn from(value: &str) -> Self {
                Patch::Set(value.into())
            }
        }
        /// A `String` sets a field of this type.
        impl From<String> for Patch<$ty> {
            fn from(value: String) -> Self {
                Patch::Set(value.into())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok($ty::new(text))
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        impl PartialEq<String> for $ty {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<$ty> for str {
            fn eq(&self, other: &$ty) -> bool {
                self == other.as_str()
            }
        }
        impl PartialEq<$ty> for &str {
            fn eq(&self, other: &$ty) -> bool {
                *self == other.as_str()
            }
        }
        impl PartialEq<$ty> for String {
            fn eq(&self, other: &$ty) -> bool {
                self == other.as_str()
            }
        }
    };
}

/// A string of a model: the text of a property or parameter the spec types as a string
/// (names, emails, codes, URLs), kept exactly as Polar sent it.
///
/// Up to 23 bytes live inline, so most fields decode without allocating; longer text goes
/// to the heap, shared, so a clone never copies it. 24 bytes, like a `String`. It
/// dereferences to `str`, compares, orders and hashes as its text (a `HashMap<Str, _>` is
/// looked up with a `&str`), and is built from any string:
///
/// ```
/// use polarsh_core::Str;
///
/// let email = Str::new("jane@example.com");
/// assert_eq!(email, "jane@example.com");
/// assert!(email.ends_with("example.com"));
/// let same: Str = String::from("jane@example.com").into();
/// assert_eq!(email, same);
/// let text: String = email.into();
/// ```
#[derive(Clone)]
pub struct Str(Small<23>);

/// A Polar id: the text of a `uuid`/`uuid4` property or parameter, kept exactly as Polar sent
/// it (any text is accepted and written back unchanged, not only canonical UUIDs).
///
/// Up to 38 bytes live inline, so reading a UUID allocates nothing (a [`Str`] keeps 23,
/// and a page of 100 orders holds some 2,000 ids); longer text goes to the heap. Otherwise
/// it is a [`Str`]: it dereferences to `str`, compares, orders and hashes as its text (so a
/// `HashMap<Id, _>` is looked up with a `&str`), and is built from any string:
///
/// ```
/// use polarsh_core::Id;
///
/// let id = Id::new("992fae2a-2a17-4b7a-8d9e-e287cf90131b");
/// assert_eq!(id, "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
/// assert!(id.starts_with("992fae2a"));
/// let same: Id = String::from("992fae2a-2a17-4b7a-8d9e-e287cf90131b").into();
/// assert_eq!(id, same);
/// ```
#[derive(Clone)]
pub struct Id(Small<38>);

text_type!(Str, "23");
text_type!(Id, "38");

impl From<Str> for Id {
    /// Shares the text when it is on the heap and stays there.
    fn from(text: Str) -> Self {
        Id(text.0.resize())
    }
}

impl From<Id> for Str {
    /// Shares the text when it is on the heap and stays there.
    fn from(id: Id) -> Self {
        Str(id.0.resize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Vec<String> {
        let uuid = "71dce2ee-9ebd-4617-8991-ef4cdfa00e26";
        vec![
            String::new(),
            "a".into(),
            "x".repeat(23),
            "x".repeat(24),
            uuid.into(),
            uuid.to_uppercase(),
            "{71dce2ee-9ebd-4617-8991-ef4cdfa00e2}".into(),
            ["é", uuid].concat(),
            [uuid, "-more"].concat(),
            "é".repeat(11),
            "é".repeat(12),
            "é".repeat(19),
            "x".repeat(5000),
        ]
    }

    #[test]
    fn keeps_any_text_inline_or_not() {
        for text in texts() {
            let (s, id) = (Str::new(&text), Id::new(&text));
            assert_eq!(s.as_str(), text);
            assert_eq!(id.as_str(), text);
            assert_eq!(s.is_heap_allocated(), text.len() > 23, "{text}");
            assert_eq!(id.is_heap_allocated(), text.len() > 38, "{text}");
            assert_eq!(Id::from(s.clone()), id);
            assert_eq!(Str::from(id.clone()), s);
            assert_eq!(Str::from(Arc::<str>::from(text.as_str())), s);
            assert_eq!(&*Arc::<str>::from(id), text);
            assert_eq!(String::from(s), text);
        }
        assert_eq!(std::mem::size_of::<Str>(), 24);
        assert_eq!(std::mem::size_of::<Option<Str>>(), 24);
        assert_eq!(std::mem::size_of::<Id>(), 40);
    }

    #[test]
    fn heap_text_is_shared_not_copied() {
        let long = Str::new("y".repeat(100));
        let clone = long.clone();
        assert!(std::ptr::eq(long.as_ptr(), clone.as_ptr()));
        let id = Id::from(long.clone());
        assert!(std::ptr::eq(long.as_ptr(), id.as_ptr()));
    }

    #[test]
    fn compares_orders_and_hashes_as_its_text() {
        use std::collections::HashMap;
        let long = "b".repeat(60);
        let ids = [Id::new("b"), Id::new(&long), Id::new("a")];
        let mut sorted = ids.clone();
        sorted.sort();
        let texts: Vec<&str> = sorted.iter().map(|i| i.as_str()).collect();
        assert_eq!(texts, ["a", "b", long.as_str()]);
        let map: HashMap<Id, usize> = ids.iter().cloned().zip(0..).collect();
        assert_eq!(map.get(long.as_str()), Some(&1));
        assert_eq!(format!("{:?} {}", ids[0], ids[2]), "\"b\" a");
        assert_eq!(ids[0], "b");
        assert_eq!("b", ids[0]);
        assert_eq!(ids[0], String::from("b"));
        let strs: HashMap<Str, usize> = [(Str::new("k"), 1)].into_iter().collect();
        assert_eq!(strs.get("k"), Some(&1));
        assert_eq!(Str::default(), "");
        assert_eq!("k".parse::<Str>().ok(), Some(Str::new("k")));
    }
}
