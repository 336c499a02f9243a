// Command ggcr-registry serves go-containerregistry's registry implementation
// with the OCI 1.1 referrers API switched on. Neither `crane registry serve`
// (referrers off) nor CNCF distribution v3.1 (no referrers endpoint) offers it,
// and zot is not served by the Go module proxy reachable here.
//
// Usage: ggcr-registry -address 127.0.0.1:PORT [-disk DIR]
// Blobs go to DIR when given (memory stays flat for big pushes); manifests
// live in memory and vanish when the process exits.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "address to listen on (loopback only in tests)")
	disk := flag.String("disk", "", "directory for blobs (default: memory)")
	flag.Parse()

	opts := []registry.Option{registry.WithReferrersSupport(true)}
	if *disk != "" {
		if err := os.MkdirAll(*disk, 0o755); err != nil {
			log.Fatalf("cannot create blob folder %s: %v", *disk, err)
		}
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(*disk)))
	}
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatalf("cannot listen on %s: %v", *address, err)
	}
	// The test harness reads this line to learn the port when given :0.
	log.Printf("serving on %s", listener.Addr().String())
	s := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: registry.New(opts...)}
	log.Fatal(s.Serve(listener))
}
