// Sign a progress event (docs/contract.md, section 5) with Go's crypto/ed25519.
//
//	go run sign.go ha-noi.key.pem event.json > signed.json
//
// KEY is the private key file `tiendo agency key new` wrote (the header lines agency_id and
// key_id, then PKCS#8 PEM); EVENT is one event, unsigned. Prints the signed event.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

func withoutNulls(value any) any {
	if object, ok := value.(map[string]any); ok {
		kept := map[string]any{}
		for name, v := range object {
			if v != nil {
				kept[name] = withoutNulls(v)
			}
		}
		return kept
	}
	return value
}

// canonical is RFC 8785 for what an event holds. encoding/json sorts map keys (byte-wise,
// the same order as RFC 8785's for ASCII names) and, with HTML escaping off, spells strings
// as RFC 8785 does, except U+2028 and U+2029, which it always escapes: they are put back.
// Numbers stay as written (json.Number): an event's are integers.
func canonical(value any) []byte {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(withoutNulls(value)); err != nil {
		fail(err)
	}
	escaped := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(escaped))
	for i := 0; i < len(escaped); i++ {
		if escaped[i] != '\\' {
			out = append(out, escaped[i])
		} else if s := string(escaped[i:min(i+6, len(escaped))]); s == `\u2028` || s == `\u2029` {
			out = append(out, map[string]string{`\u2028`: "\u2028", `\u2029`: "\u2029"}[s]...)
			i += 5
		} else {
			out = append(out, escaped[i], escaped[i+1]) // an escape: copied whole, never split
			i++
		}
	}
	return out
}

func fail(err any) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	keyPath, eventPath := os.Args[1], os.Args[2]
	pemFile, err := os.ReadFile(keyPath)
	if err != nil {
		fail(err)
	}
	headers := map[string]string{}
	for _, line := range strings.Split(strings.SplitN(string(pemFile), "-----BEGIN", 2)[0], "\n") {
		if name, v, ok := strings.Cut(line, ": "); ok {
			headers[name] = strings.TrimSpace(v)
		}
	}
	block, _ := pem.Decode(pemFile) // skips the header lines before the PEM block
	if block == nil || block.Type != "PRIVATE KEY" {
		fail(keyPath + ": no PKCS#8 private key")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	key, ok := parsed.(ed25519.PrivateKey)
	if err != nil || !ok {
		fail(fmt.Sprintf("%s: not an Ed25519 private key (%v)", keyPath, err))
	}
	eventFile, err := os.Open(eventPath)
	if err != nil {
		fail(err)
	}
	decoder := json.NewDecoder(eventFile)
	decoder.UseNumber()
	var event map[string]any
	if err := decoder.Decode(&event); err != nil {
		fail(err)
	}
	delete(event, "signature")
	if event["agency_id"] != headers["agency_id"] {
		fail(fmt.Sprintf("%s is the key of %s, not of %v", keyPath, headers["agency_id"], event["agency_id"]))
	}
	value := hex.EncodeToString(ed25519.Sign(key, canonical(event)))
	event["signature"] = map[string]any{"alg": "Ed25519", "key_id": headers["key_id"], "value": value}
	os.Stdout.Write(append(canonical(event), '\n'))
}
