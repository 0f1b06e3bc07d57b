// Check a Tiến độ proof file (docs/contract.md, section 10) with nothing but the file and
// the ledger's verifier key, the line `tiendo ledger key` prints:
//
//	go run . proof.json 'tiendo.ledger+1a2b3c4d+AV…'
//
// The file is what `tiendo ledger prove --json` or `tiendo ledger consistency --json`
// wrote. Exit 0 and one line when it proves what it says; exit 1 naming what is wrong.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

type head struct {
	Origin    string `json:"origin"`
	TreeSize  uint64 `json:"tree_size"`
	RootHash  string `json:"root_hash"`
	Timestamp string `json:"timestamp"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
	Note      string `json:"note"`
}

type proofFile struct {
	Kind      string   `json:"kind"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash"`
	AuditPath []string `json:"audit_path"`
	Entry     struct {
		PrevHash   string `json:"prev_hash"`
		AgencyID   string `json:"agency_id"`
		ChainPos   int64  `json:"chain_pos"`
		EventID    string `json:"event_id"`
		Payload    string `json:"payload"`
		RecordedAt string `json:"recorded_at"`
		Hash       string `json:"hash"`
	} `json:"entry"`
	TreeHead head     `json:"tree_head"`
	FromSize uint64   `json:"from_size"`
	ToSize   uint64   `json:"to_size"`
	Proof    []string `json:"proof"`
	From     head     `json:"from"`
	To       head     `json:"to"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", os.Args[1], fmt.Sprintf(format, args...))
	os.Exit(1)
}

func unhex(what, text string) []byte {
	b, err := hex.DecodeString(text)
	if err != nil {
		fail("%s is not hex: %v", what, err)
	}
	return b
}

func hashes(what string, texts []string) [][]byte {
	out := make([][]byte, len(texts))
	for i, t := range texts {
		out[i] = unhex(what, t)
	}
	return out
}

// why says on one line why a path does not verify (the library prints roots as byte lists).
func why(err error) string {
	var mismatch proof.RootMismatchError
	if errors.As(err, &mismatch) {
		return "it leads to root " + hex.EncodeToString(mismatch.CalculatedRoot)
	}
	return err.Error()
}

// openHead verifies the head's signed note with the ledger key and requires its checkpoint
// body (origin, size, root, Timestamp) and signature line to say what the JSON fields say.
// It returns the root hash the signature covers.
func openHead(h head, verifier note.Verifier) []byte {
	n, err := note.Open([]byte(h.Note), note.VerifierList(verifier))
	if err != nil {
		fail("the head of size %d is not signed by %s: %v", h.TreeSize, verifier.Name(), err)
	}
	lines := strings.Split(n.Text, "\n") // origin, size, root, Timestamp, and "" after the last \n
	if len(lines) != 5 || lines[0] != verifier.Name() {
		fail("the head's signed note is not a checkpoint of ledger %s", verifier.Name())
	}
	root, _ := base64.StdEncoding.DecodeString(lines[2])
	sig, _ := base64.StdEncoding.DecodeString(n.Sigs[0].Base64) // key hash (4 bytes) ‖ signature
	if h.Origin != lines[0] || strconv.FormatUint(h.TreeSize, 10) != lines[1] || h.RootHash != hex.EncodeToString(root) ||
		"Timestamp: "+h.Timestamp != lines[3] || h.KeyID != fmt.Sprintf("%s+%08x", n.Sigs[0].Name, n.Sigs[0].Hash) ||
		h.Signature != hex.EncodeToString(sig[4:]) {
		fail("the signed note of the head of size %s does not say what the head's fields say", lines[1])
	}
	return root
}

// entryHash is shared/domain/chain.py's entry_hash: SHA-256 of the fields as a JSON array,
// as Python's json.dumps(..., ensure_ascii=False, separators=(",", ":")) writes it. With HTML
// escaping off, encoding/json writes strings the same way except U+2028 and U+2029, which it
// always escapes: they are put back.
func entryHash(f *proofFile) string {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	e := f.Entry
	if err := encoder.Encode([]any{e.PrevHash, e.AgencyID, e.ChainPos, e.EventID, e.Payload, e.RecordedAt}); err != nil {
		fail("%v", err)
	}
	escaped := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	material := make([]byte, 0, len(escaped))
	for i := 0; i < len(escaped); i++ {
		if escaped[i] != '\\' {
			material = append(material, escaped[i])
		} else if s := string(escaped[i:min(i+6, len(escaped))]); s == `\u2028` || s == `\u2029` {
			material = append(material, map[string]string{`\u2028`: "\u2028", `\u2029`: "\u2029"}[s]...)
			i += 5
		} else {
			material = append(material, escaped[i], escaped[i+1]) // an escape: copied whole, never split
			i++
		}
	}
	sum := sha256.Sum256(material)
	return hex.EncodeToString(sum[:])
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run . PROOF_FILE VERIFIER_KEY")
		os.Exit(2)
	}
	verifier, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("not a verifier key: %v", err)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var f proofFile
	if err := json.Unmarshal(data, &f); err != nil {
		fail("not a proof file: %v", err)
	}
	hasher := rfc6962.DefaultHasher
	switch f.Kind {
	case "tiendo.inclusion-proof.v1":
		root := openHead(f.TreeHead, verifier)
		if entryHash(&f) != f.Entry.Hash {
			fail("the entry's content does not hash to its entry hash")
		}
		leaf := hasher.HashLeaf(unhex("the entry hash", f.Entry.Hash))
		if hex.EncodeToString(leaf) != f.LeafHash || f.TreeSize != f.TreeHead.TreeSize {
			fail("the leaf hash or the tree size is not the entry's or the head's")
		}
		err := proof.VerifyInclusion(hasher, f.LeafIndex, f.TreeSize, leaf, hashes("the audit path", f.AuditPath), root)
		if err != nil {
			fail("the audit path does not lead from leaf %d to the head's root: %s", f.LeafIndex, why(err))
		}
		fmt.Printf("%s: the proof holds: event %s of %s is leaf %d of the tree of %d leaves signed by %s\n",
			os.Args[1], f.Entry.EventID, f.Entry.AgencyID, f.LeafIndex, f.TreeSize, f.TreeHead.KeyID)
	case "tiendo.consistency-proof.v1":
		root1, root2 := openHead(f.From, verifier), openHead(f.To, verifier)
		if f.FromSize != f.From.TreeSize || f.ToSize != f.To.TreeSize || f.FromSize == 0 {
			fail("from_size and to_size are not the sizes of the two heads")
		}
		if err := proof.VerifyConsistency(hasher, f.FromSize, f.ToSize, hashes("the proof", f.Proof), root1, root2); err != nil {
			fail("the proof does not show the tree of %d leaves is a prefix of the tree of %d: %s", f.FromSize, f.ToSize, why(err))
		}
		fmt.Printf("%s: the proof holds: the tree of %d leaves is a prefix of the tree of %d, both signed by %s\n",
			os.Args[1], f.FromSize, f.ToSize, f.To.KeyID)
	default:
		fail("kind %q is not a Tiến độ proof", f.Kind)
	}
}
