// Command notation-peer signs and verifies OCI artifacts with notation-go, the
// library source-controller links for `spec.verify.provider: notation`. The
// `notation` CLI module is refused by the Go module proxy reachable here, so the
// tests drive the library through this small main instead.
//
//	notation-peer sign   --ref HOST/REPO@DIGEST --key KEY.pem --cert CHAIN.pem
//	                     [--envelope jws|cose] [--signing-time RFC3339] [--expiry 1h]
//	                     [--payload-ref HOST/REPO@DIGEST] [--tamper] [--plain-http]
//	                     [--tsa-url URL --tsa-root ROOT.pem]
//	notation-peer verify --ref HOST/REPO@DIGEST --trust-policy trustpolicy.json
//	                     --ca FILE [--ca FILE...] [--plain-http]
//
// sign builds the envelope like notation-go's signer (payload
// {"targetArtifact": descriptor}, scheme notary.x509) and pushes it as a
// referrer of --ref (OCI-Subject, else the referrers tag, as oras-go does).
// --payload-ref signs another artifact's descriptor; --tamper swaps the payload
// after signing. verify runs source-controller's NewNotationVerifier logic
// (internal/oci/notation, v1.9.4): all CA files in one trust store whatever the
// store's name, skip-level statements cleaned, three signature attempts, and
// its outcome mapping, then prints {"result": "verified|ignored|failed", ...}.
package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/notaryproject/notation-core-go/signature"
	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/notaryproject/tspclient-go"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	gocose "github.com/veraison/go-cose"
	"oras.land/oras-go/v2/registry/remote"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fail("usage: notation-peer sign|verify ...")
	}
	var err error
	switch os.Args[1] {
	case "sign":
		err = sign(os.Args[2:])
	case "verify":
		err = verify(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "notation-peer:", msg)
	os.Exit(2)
}

func repoOf(ref string, plain bool) (*remote.Repository, string, error) {
	r, err := remote.NewRepository(ref)
	if err != nil {
		return nil, "", err
	}
	r.PlainHTTP = plain
	return r, r.Reference.Reference, nil
}

func readChain(file string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func readKey(file string) (crypto.PrivateKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", file)
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

func sign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	ref := fs.String("ref", "", "artifact HOST/REPO@DIGEST to attach the signature to")
	payloadRef := fs.String("payload-ref", "", "artifact whose descriptor is signed (default: --ref)")
	keyFile := fs.String("key", "", "PEM private key")
	certFile := fs.String("cert", "", "PEM chain, leaf first, ending with the root")
	envelope := fs.String("envelope", "jws", "jws or cose")
	signingTime := fs.String("signing-time", "", "RFC 3339 signing time (default now)")
	expiry := fs.Duration("expiry", 0, "signature expiry after signing time (0: none)")
	tamper := fs.Bool("tamper", false, "replace the signed payload after signing")
	tsaURL := fs.String("tsa-url", "", "RFC 3161 timestamping authority to countersign with")
	tsaRoot := fs.String("tsa-root", "", "PEM root certificate of the TSA (required with --tsa-url)")
	plain := fs.Bool("plain-http", false, "plain HTTP registry")
	_ = fs.Parse(args)
	ctx := context.Background()

	remoteRepo, reference, err := repoOf(*ref, *plain)
	if err != nil {
		return err
	}
	repo := registry.NewRepository(remoteRepo)
	subject, err := repo.Resolve(ctx, reference)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", *ref, err)
	}
	target := subject
	if *payloadRef != "" {
		otherRemote, otherRef, err := repoOf(*payloadRef, *plain)
		if err != nil {
			return err
		}
		if target, err = registry.NewRepository(otherRemote).Resolve(ctx, otherRef); err != nil {
			return fmt.Errorf("resolve %s: %w", *payloadRef, err)
		}
	}
	key, err := readKey(*keyFile)
	if err != nil {
		return err
	}
	certs, err := readChain(*certFile)
	if err != nil {
		return err
	}
	localSigner, err := signature.NewLocalSigner(certs, key)
	if err != nil {
		return err
	}
	mediaType := jws.MediaTypeEnvelope
	if *envelope == "cose" {
		mediaType = cose.MediaTypeEnvelope
	}
	payload, err := json.Marshal(map[string]any{"targetArtifact": ocispec.Descriptor{MediaType: target.MediaType, Digest: target.Digest, Size: target.Size}})
	if err != nil {
		return err
	}
	when := time.Now()
	if *signingTime != "" {
		if when, err = time.Parse(time.RFC3339, *signingTime); err != nil {
			return err
		}
	}
	req := &signature.SignRequest{
		Payload:       signature.Payload{ContentType: "application/vnd.cncf.notary.payload.v1+json", Content: payload},
		Signer:        localSigner,
		SigningTime:   when,
		SigningScheme: signature.SigningSchemeX509,
		SigningAgent:  "notation-peer/notation-go-1.3.2",
	}
	if *expiry > 0 {
		req.Expiry = when.Add(*expiry)
	}
	if *tsaURL != "" {
		if req.Timestamper, err = tspclient.NewHTTPTimestamper(nil, *tsaURL); err != nil {
			return err
		}
		roots, err := readChain(*tsaRoot)
		if err != nil {
			return err
		}
		req.TSARootCAs = x509.NewCertPool()
		for _, c := range roots {
			req.TSARootCAs.AddCert(c)
		}
	}
	env, err := signature.NewEnvelope(mediaType)
	if err != nil {
		return err
	}
	blob, err := env.Sign(req)
	if err != nil {
		return err
	}
	if *tamper {
		other, _ := json.Marshal(map[string]any{"targetArtifact": ocispec.Descriptor{MediaType: target.MediaType, Digest: digest.Digest("sha256:" + strings.Repeat("0", 64)), Size: target.Size}})
		if blob, err = tamperPayload(mediaType, blob, other); err != nil {
			return err
		}
	}
	var thumbprints []string
	for _, c := range certs {
		sum := crypto.SHA256.New()
		sum.Write(c.Raw)
		thumbprints = append(thumbprints, fmt.Sprintf("%x", sum.Sum(nil)))
	}
	tp, _ := json.Marshal(thumbprints)
	annotations := map[string]string{
		"io.cncf.notary.x509chain.thumbprint#S256": string(tp),
		ocispec.AnnotationCreated:                  when.UTC().Format(time.RFC3339),
	}
	_, manifestDesc, err := repo.PushSignature(ctx, mediaType, blob, subject, annotations)
	if err != nil {
		return fmt.Errorf("push signature: %w", err)
	}
	fmt.Println(manifestDesc.Digest.String())
	return nil
}

func tamperPayload(mediaType string, blob, payload []byte) ([]byte, error) {
	if mediaType == jws.MediaTypeEnvelope {
		var m map[string]any
		if err := json.Unmarshal(blob, &m); err != nil {
			return nil, err
		}
		m["payload"] = base64.RawURLEncoding.EncodeToString(payload)
		return json.Marshal(m)
	}
	var msg gocose.Sign1Message
	if err := msg.UnmarshalCBOR(blob); err != nil {
		return nil, err
	}
	msg.Payload = payload
	return msg.MarshalCBOR()
}

// trustStore is source-controller's: every CA file, whatever store is asked for.
type trustStore struct{ certs [][]byte }

func (s trustStore) GetCertificates(ctx context.Context, storeType truststore.Type, namedStore string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, data := range s.certs {
		raw := data
		if block, _ := pem.Decode(raw); block != nil {
			raw = block.Bytes
		}
		certs, err := x509.ParseCertificates(raw)
		if err != nil {
			return nil, fmt.Errorf("failed to parse certificate '%s': %s", namedStore, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

type verdict struct {
	Result string   `json:"result"`
	Error  string   `json:"error,omitempty"`
	Logged []string `json:"logged,omitempty"`
}

func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	ref := fs.String("ref", "", "artifact HOST/REPO@DIGEST")
	policyFile := fs.String("trust-policy", "", "trustpolicy.json")
	var cas multi
	fs.Var(&cas, "ca", "CA certificate file (repeatable)")
	plain := fs.Bool("plain-http", false, "plain HTTP registry")
	_ = fs.Parse(args)
	out := json.NewEncoder(os.Stdout)
	failed := func(err error) error { return out.Encode(verdict{Result: "failed", Error: err.Error()}) }

	data, err := os.ReadFile(*policyFile)
	if err != nil {
		return err
	}
	var doc trustpolicy.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return failed(fmt.Errorf("error occurred while parsing trustpolicy.json: %w", err))
	}
	var certs [][]byte
	for _, f := range cas {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		certs = append(certs, b)
	}
	for i, p := range doc.TrustPolicies {
		if p.SignatureVerification.VerificationLevel == trustpolicy.LevelSkip.Name {
			doc.TrustPolicies[i].TrustStores = []string{}
			doc.TrustPolicies[i].TrustedIdentities = []string{}
		}
	}
	v, err := verifier.New(&doc, trustStore{certs: certs}, nil)
	if err != nil {
		return failed(err)
	}
	remoteRepo, _, err := repoOf(*ref, *plain)
	if err != nil {
		return failed(err)
	}
	_, outcomes, err := notation.Verify(context.Background(), v, registry.NewRepository(remoteRepo), notation.VerifyOptions{ArtifactReference: *ref, MaxSignatureAttempts: 3})
	if err != nil {
		return failed(err)
	}
	if len(outcomes) == 0 {
		return failed(fmt.Errorf("signature verification failed for all the signatures associated with %s", *ref))
	}
	outcome := outcomes[0]
	if outcome.VerificationLevel == trustpolicy.LevelSkip {
		return out.Encode(verdict{Result: "ignored"})
	}
	res := verdict{Result: "verified"}
	for _, r := range outcome.VerificationResults {
		if r.Error != nil {
			if r.Type == trustpolicy.TypeAuthenticity {
				res.Result = "ignored"
			}
			res.Logged = append(res.Logged, fmt.Sprintf("%s: %v", r.Type, r.Error))
		}
	}
	return out.Encode(res)
}
