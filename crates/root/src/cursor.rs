//! A bounds-checked big-endian reader over a byte slice, the only way this crate parses bytes.

/// Why a parse step failed; the caller adds the file and the structure.
pub(crate) type Parse<T> = std::result::Result<T, String>;

/// Reads ROOT's big-endian serialization; every read checks the remaining length first.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Added to positions to form ROOT's object-reference displacements, which count from the
    /// start of the key, not from the start of the (decompressed) object buffer.
    shift: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], shift: usize) -> Self {
        Cursor { buf, pos: 0, shift }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Position as ROOT's reference tables count it.
    pub(crate) fn displacement(&self) -> usize {
        self.pos + self.shift
    }

    pub(crate) fn seek(&mut self, pos: usize) -> Parse<()> {
        if pos > self.buf.len() {
            return Err(format!(
                "jump to byte {pos} past the end of a {}-byte buffer",
                self.buf.len()
            ));
        }
        self.pos = pos;
        Ok(())
    }

    pub(crate) fn skip(&mut self, n: usize) -> Parse<()> {
        self.take(n).map(|_| ())
    }

    pub(crate) fn take(&mut self, n: usize) -> Parse<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                format!(
                    "needs {n} bytes at byte {} of a {}-byte buffer",
                    self.pos,
                    self.buf.len()
                )
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Parse<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Parse<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn i16(&mut self) -> Parse<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    pub(crate) fn i32(&mut self) -> Parse<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Parse<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn i64(&mut self) -> Parse<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// A count read from the file, checked to be non-negative.
    pub(crate) fn count(&mut self, what: &str) -> Parse<usize> {
        let n = self.i32()?;
        usize::try_from(n).map_err(|_| format!("negative {what} {n}"))
    }

    /// A `TString`: one length byte, or 255 followed by a 4-byte length.
    pub(crate) fn string(&mut self) -> Parse<String> {
        let n = match self.u8()? {
            255 => self.count("string length")?,
            n => n as usize,
        };
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    /// A NUL-terminated C string (class names in object headers).
    pub(crate) fn cstring(&mut self) -> Parse<String> {
        let rest = &self.buf[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| "class name without terminating NUL".to_string())?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }

    /// `n` big-endian i64 values.
    pub(crate) fn i64s(&mut self, n: usize) -> Parse<Vec<i64>> {
        let bytes = self.take(n.checked_mul(8).ok_or("array length overflows")?)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| i64::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    /// `n` big-endian i32 values.
    pub(crate) fn i32s(&mut self, n: usize) -> Parse<Vec<i32>> {
        let bytes = self.take(n.checked_mul(4).ok_or("array length overflows")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}
