package tiles

import (
	"os"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/feature"
)

// RedisURLEnv is the environment variable holding the URL of the test Redis server
// (scripts/redis.sh url).
const RedisURLEnv = "FOURREAU_TEST_REDIS_URL"

// RedisURL returns the test Redis URL, or skips the test when none is set. Under
// FOURREAU_REQUIRE_DB=1, as the test command sets it, a missing URL fails the test.
var RedisURL = redisURL

func redisURL(t testing.TB) string {
	t.Helper()
	if url := os.Getenv(RedisURLEnv); url != "" {
		return url
	}
	if os.Getenv(testdb.RequireEnv) == "1" {
		t.Fatalf("%s is not set but %s=1: run scripts/redis.sh start and set it to the output of scripts/redis.sh url", RedisURLEnv, testdb.RequireEnv)
	}
	t.Skipf("%s is not set: skipping the Redis test", RedisURLEnv)
	return ""
}

func newLayer(name string) *feature.Layer { return &feature.Layer{Name: name} }
