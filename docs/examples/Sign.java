// Sign a progress event (docs/contract.md, section 5) with the JDK's own Ed25519 (Java 17).
//
//     java Sign.java ha-noi.key.pem event.json > signed.json
//
// KEY is the private key file `tiendo agency key new` wrote (the header lines agency_id and
// key_id, then PKCS#8 PEM); EVENT is one event, unsigned. Prints the signed event. The JDK
// has no JSON library, so this file carries a small reader: enough for an event (objects,
// strings, integers, booleans, null).

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class Sign {
    public static void main(String[] args) throws Exception {
        String pem = Files.readString(Path.of(args[0]));
        Map<String, String> headers = new HashMap<>();
        for (String line : pem.substring(0, pem.indexOf("-----BEGIN")).split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) headers.put(line.substring(0, colon), line.substring(colon + 2).strip());
        }
        String body = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27,
                                    pem.indexOf("-----END PRIVATE KEY-----"));
        PrivateKey key = KeyFactory.getInstance("Ed25519")
            .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body)));

        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) new Reader(Files.readString(Path.of(args[1]))).read();
        event.remove("signature");
        if (!headers.get("agency_id").equals(event.get("agency_id"))) {
            System.err.println(args[0] + " is the key of " + headers.get("agency_id") + ", not of "
                               + event.get("agency_id"));
            System.exit(1);
        }
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(key);
        signer.update(canonical(event));
        Map<String, Object> signature = new TreeMap<>();
        signature.put("alg", "Ed25519");
        signature.put("key_id", headers.get("key_id"));
        signature.put("value", HexFormat.of().formatHex(signer.sign()));
        event.put("signature", signature);
        System.out.write(canonical(event));
        System.out.write('\n');
        System.out.flush();
    }

    // RFC 8785 for what an event holds: members sorted by UTF-16 code units (a TreeMap of
    // Strings), null members left out, no white space, text as UTF-8 with only ", \ and
    // control characters escaped, integers in plain decimal.
    static byte[] canonical(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void write(StringBuilder out, Object value) {
        if (value instanceof Map<?, ?> object) {
            String separator = "{";
            for (Map.Entry<?, ?> member : object.entrySet()) {
                if (member.getValue() == null) continue;
                out.append(separator);
                string(out, (String) member.getKey());
                out.append(':');
                write(out, member.getValue());
                separator = ",";
            }
            out.append(separator.equals("{") ? "{}" : "}");
        } else if (value instanceof List<?> array) {
            out.append('[');
            for (int i = 0; i < array.size(); i++) {
                if (i > 0) out.append(',');
                write(out, array.get(i));
            }
            out.append(']');
        } else if (value instanceof String text) {
            string(out, text);
        } else {
            out.append(value); // Long, Boolean, or null inside an array
        }
    }

    static void string(StringBuilder out, String text) {
        out.append('"');
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        out.append('"');
    }

    // A small JSON reader: objects become TreeMaps, integers Longs; anything else fails.
    static final class Reader {
        private final String s;
        private int i;

        Reader(String s) {
            this.s = s;
        }

        Object read() {
            Object value = value();
            space();
            if (i != s.length()) throw error("text after the JSON value");
            return value;
        }

        private Object value() {
            space();
            if (i >= s.length()) throw error("the JSON ends early");
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> object = new TreeMap<>();
                i++;
                space();
                if (next('}')) return object;
                do {
                    space();
                    String name = string();
                    space();
                    expect(':');
                    if (object.containsKey(name)) throw error("member " + name + " appears twice");
                    object.put(name, value());
                    space();
                } while (next(','));
                expect('}');
                return object;
            }
            if (c == '[') {
                List<Object> array = new ArrayList<>();
                i++;
                space();
                if (next(']')) return array;
                do {
                    array.add(value());
                    space();
                } while (next(','));
                expect(']');
                return array;
            }
            if (c == '"') return string();
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return word.equals("null") ? null : Boolean.valueOf(word);
                }
            }
            int start = i;
            if (c == '-') i++;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            if (i < s.length() && ".eE".indexOf(s.charAt(i)) >= 0) throw error("an event's numbers are integers");
            try {
                return Long.parseLong(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw error("not a JSON value");
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw error("the JSON ends inside a string");
                char c = s.charAt(i++);
                if (c == '"') return out.toString();
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> out.append(e); // " \ /
                }
            }
        }

        private void space() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        private boolean next(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!next(c)) throw error("expected " + c);
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at character " + i);
        }
    }
}
