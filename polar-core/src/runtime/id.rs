//! [`Id`]: the type of Polar's ids (the spec's `uuid` and `uuid4` strings).

use smol_str::SmolStr;
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The most bytes an [`Id`] keeps inline: a UUID's 36, and two more that the layout leaves
/// free (the type is 40 bytes either way).
const INLINE: usize = 38;

/// A Polar id: the text of a `uuid`/`uuid4` property or parameter, kept exactly as Polar sent
/// it (any text is accepted and written back unchanged, not only canonical UUIDs).
///
/// Up to 38 bytes live inline, so reading a UUID allocates nothing (a [`SmolStr`] keeps 23,
/// and a page of 100 orders holds some 2,000 ids); longer text goes to the heap. It
/// dereferences to `str`, compares, orders and hashes as its text (so a `HashMap<Id, _>` is
/// looked up with a `&str`), and is built from any string:
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
pub struct Id(Repr);

#[derive(Clone)]
enum Repr {
    /// `len` bytes of `bytes`, all of a `str`'s (so always UTF-8).
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(SmolStr),
}

impl Id {
    /// An id with the text `text`.
    pub fn new(text: impl AsRef<str>) -> Self {
        let text = text.as_ref();
        if text.len() > INLINE {
            return Id(Repr::Heap(SmolStr::new(text)));
        }
        // A zip, not `copy_from_slice`: no length check left to fail (and its panic code).
        let mut bytes = [0; INLINE];
        for (to, from) in bytes.iter_mut().zip(text.as_bytes()) {
            *to = *from;
        }
        Id(Repr::Inline {
            len: text.len() as u8,
            bytes,
        })
    }

    /// Whether its text is on the heap (longer than 38 bytes), as
    /// [`SmolStr::is_heap_allocated`] says of a string.
    pub fn is_heap_allocated(&self) -> bool {
        matches!(self.0, Repr::Heap(_))
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // polar-core has no `unsafe`: the bytes are checked again (an ASCII UUID in a
            // few instructions). They came whole from a `str`, so the empty text is never
            // what this gives for them.
            Repr::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }
}

impl std::ops::Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Id {}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Id {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Self {
        Id::new(text)
    }
}
impl From<&String> for Id {
    fn from(text: &String) -> Self {
        Id::new(text)
    }
}
impl From<String> for Id {
    fn from(text: String) -> Self {
        Id::new(text)
    }
}
impl From<SmolStr> for Id {
    fn from(text: SmolStr) -> Self {
        match text.len() <= INLINE {
            true => Id::new(text),
            false => Id(Repr::Heap(text)),
        }
    }
}
impl From<Id> for String {
    fn from(id: Id) -> Self {
        id.as_str().to_owned()
    }
}

impl std::str::FromStr for Id {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Id::new(text))
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl PartialEq<String> for Id {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<Id> for str {
    fn eq(&self, other: &Id) -> bool {
        self == other.as_str()
    }
}
impl PartialEq<Id> for &str {
    fn eq(&self, other: &Id) -> bool {
        *self == other.as_str()
    }
}
impl PartialEq<Id> for String {
    fn eq(&self, other: &Id) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_any_text_inline_or_not() {
        let uuid = "71dce2ee-9ebd-4617-8991-ef4cdfa00e26";
        for text in [
            "",
            "a",
            uuid,
            "71DCE2EE-9EBD-4617-8991-EF4CDFA00E26",
            "{71dce2ee-9ebd-4617-8991-ef4cdfa00e2}",
            "é71dce2ee-9ebd-4617-8991-ef4cdfa00e26",
            "71dce2ee-9ebd-4617-8991-ef4cdfa00e26-more",
            &"x".repeat(5000),
        ] {
            let id = Id::new(text);
            assert_eq!(id.as_str(), text);
            assert_eq!(&*Id::from(SmolStr::new(text)), text);
            assert_eq!(id.is_heap_allocated(), text.len() > INLINE);
        }
        // Exactly the inline room, in multi-byte characters.
        let full = "é".repeat(INLINE / 2);
        assert!(!Id::new(&full).is_heap_allocated());
        assert_eq!(Id::new(&full), full);
        assert_eq!(std::mem::size_of::<Id>(), 40);
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
    }
}
