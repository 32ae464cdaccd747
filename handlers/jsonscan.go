package handlers

import (
	"encoding/json"
	"errors"
	"strconv"
)

// jsonScanner validates JSON in one pass and splits the top-level object into raw members without
// copying. encoding/json needs two passes (validate, then decode) through a per-byte state
// machine; a 300 KB batch of readings is read here several times faster.
type jsonScanner struct {
	b     []byte
	i     int
	depth int
}

var (
	errJSONDepth = errors.New("nested too deeply")
	errJSONValue = errors.New("Expecting value")
)

// splitObject validates data (one JSON value, surrounding space allowed). When it is an object it
// returns its members, raw values sharing data's memory; isObject is false for any other value.
func splitObject(data []byte) (members map[string]json.RawMessage, isObject bool, offset int, err error) {
	s := &jsonScanner{b: data}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '{' {
		members = map[string]json.RawMessage{}
		isObject = true
		err = s.object(members)
	} else {
		err = s.value()
	}
	if err == nil {
		s.space()
		if s.i != len(s.b) {
			err = errors.New("Extra data")
		}
	}
	return members, isObject, s.i, err
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value() error {
	s.space()
	if s.i >= len(s.b) {
		return errJSONValue
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return errJSONValue
}

func (s *jsonScanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return errJSONValue
	}
	s.i += len(word)
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *jsonScanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if s.digits() == 0 {
		return errJSONValue
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return errors.New("Invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return errors.New("Invalid number")
		}
	}
	return nil
}

// str validates a string at s.i and reports whether it holds escapes.
func (s *jsonScanner) str() (escaped bool, err error) {
	s.i++ // opening quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return escaped, nil
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return escaped, errors.New("Unterminated string")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 {
					return escaped, errors.New("Invalid \\uXXXX escape")
				}
				if _, err := strconv.ParseUint(string(s.b[s.i+1:s.i+5]), 16, 16); err != nil {
					return escaped, errors.New("Invalid \\uXXXX escape")
				}
				s.i += 5
			default:
				return escaped, errors.New("Invalid \\escape")
			}
		case c < 0x20:
			return escaped, errors.New("Invalid control character")
		default:
			s.i++
		}
	}
	return escaped, errors.New("Unterminated string")
}

func (s *jsonScanner) enter() error {
	s.depth++
	if s.depth > maxJSONDepth {
		return errJSONDepth
	}
	return nil
}

func (s *jsonScanner) array() error {
	if err := s.enter(); err != nil {
		return err
	}
	s.i++ // [
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return errors.New("Expecting ',' delimiter")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return errors.New("Expecting ',' delimiter")
		}
	}
}

// object validates an object; with members set it records each member's raw value.
func (s *jsonScanner) object(members map[string]json.RawMessage) error {
	if err := s.enter(); err != nil {
		return err
	}
	s.i++ // {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errors.New("Expecting property name enclosed in double quotes")
		}
		keyStart := s.i
		escaped, err := s.str()
		if err != nil {
			return err
		}
		key := string(s.b[keyStart+1 : s.i-1])
		if escaped {
			if err := json.Unmarshal(s.b[keyStart:s.i], &key); err != nil {
				return errors.New("Invalid string")
			}
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errors.New("Expecting ':' delimiter")
		}
		s.i++
		s.space()
		valueStart := s.i
		if err := s.value(); err != nil {
			return err
		}
		if members != nil {
			members[key] = json.RawMessage(s.b[valueStart:s.i])
		}
		s.space()
		if s.i >= len(s.b) {
			return errors.New("Expecting ',' delimiter")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return errors.New("Expecting ',' delimiter")
		}
	}
}
