package cli

// appendIndent appends src, compact JSON as json.Marshal writes it, indented
// as json.Indent(dst, src, prefix, indent) would: each element of an object
// or array on a new line that starts with prefix and one indent per level,
// ": " after a key, an empty object or array left as {} or []. It is the
// indenting of json.MarshalIndent without its scanner, which validates what
// json.Marshal wrote already and took half the time of a large -o json;
// FuzzAppendIndent compares the two. No JSON string holds a raw newline or
// an unescaped quote, so strings are copied as they are.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
