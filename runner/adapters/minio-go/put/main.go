// minio-go-put uploads one object with minio-go's own S3 client: PutObject over plain HTTP, which
// minio-go sends as an aws-chunked upload signed chunk by chunk (StreamingSignV4, 64 KiB chunks).
// tests/streaming_uploads.rs points it at `sigv4-conformance serve`.
//
//	minio-go-put HOST:PORT ACCESS_KEY SECRET_KEY SIZE
//
// Prints the HTTP status (200, or the error's), then the error's code and message, if any.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"

	minio "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: minio-go-put HOST:PORT ACCESS_KEY SECRET_KEY SIZE")
		os.Exit(2)
	}
	size, err := strconv.Atoi(os.Args[4])
	if err != nil || size < 0 {
		fmt.Fprintln(os.Stderr, "SIZE: a byte count")
		os.Exit(2)
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	client, err := minio.New(os.Args[1], &minio.Options{
		Creds:  credentials.NewStaticV4(os.Args[2], os.Args[3], ""),
		Secure: false,
		Region: "us-east-1",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "minio.New:", err)
		os.Exit(1)
	}
	_, err = client.PutObject(context.Background(), "bucket", "key.bin", bytes.NewReader(data),
		int64(size), minio.PutObjectOptions{})
	if err != nil {
		resp := minio.ToErrorResponse(err)
		fmt.Println(resp.StatusCode)
		fmt.Println(resp.Code, resp.Message, err)
		return
	}
	fmt.Println(200)
}
