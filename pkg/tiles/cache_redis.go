package tiles

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisCache stores tiles in Redis, for several server instances that share one cache.
//
// Keys, after the configured prefix:
//   - t:{tms}:{set}:{z}:{x}:{y}  the tile entry (a string);
//   - i:{tms}:{set}:{z}         a sorted set indexing the cached tiles of one zoom, with
//     members "x:y" scored by x, so that Invalidate finds the tiles of a range by their
//     column without scanning the key space;
//   - s:{tms}                   the set of layer set names that have cached tiles.
//
// An index member whose tile was evicted only costs a DEL of a missing key.
type RedisCache struct {
	client *redis.Client
	prefix string
}

// NewRedisCache connects to the Redis server at url (redis:// or rediss://) and checks
// the connection with PING.
func NewRedisCache(ctx context.Context, url, prefix string) (*RedisCache, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("tiles: Redis URL: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("tiles: connect to Redis at %s: %w", opts.Addr, err)
	}
	return &RedisCache{client: client, prefix: prefix}, nil
}

func (c *RedisCache) tileKey(tms, set string, z, x, y int) string {
	return c.prefix + "t:" + tms + ":" + set + ":" + strconv.Itoa(z) + ":" + strconv.Itoa(x) + ":" + strconv.Itoa(y)
}

func (c *RedisCache) indexKey(tms, set string, z int) string {
	return c.prefix + "i:" + tms + ":" + set + ":" + strconv.Itoa(z)
}

func (c *RedisCache) setsKey(tms string) string { return c.prefix + "s:" + tms }

// Get implements Cache.
func (c *RedisCache) Get(ctx context.Context, k Key) ([]byte, bool, error) {
	v, err := c.client.Get(ctx, c.tileKey(k.TMS, k.Set, k.Z, k.X, k.Y)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("tiles: Redis GET: %w", err)
	}
	return v, true, nil
}

// Set implements Cache: the tile, its index member and its layer set name in one round
// trip.
func (c *RedisCache) Set(ctx context.Context, k Key, v []byte) error {
	_, err := c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, c.tileKey(k.TMS, k.Set, k.Z, k.X, k.Y), v, 0)
		p.ZAdd(ctx, c.indexKey(k.TMS, k.Set, k.Z), redis.Z{Score: float64(k.X), Member: strconv.Itoa(k.X) + ":" + strconv.Itoa(k.Y)})
		p.SAdd(ctx, c.setsKey(k.TMS), k.Set)
		return nil
	})
	if err != nil {
		return fmt.Errorf("tiles: Redis SET: %w", err)
	}
	return nil
}

// Invalidate implements Cache with two pipelined round trips: one reads the index
// members of every range's columns, the other deletes the tiles and members in range.
func (c *RedisCache) Invalidate(ctx context.Context, tms string, sets func(string) bool, ranges []TileRange) (int, error) {
	names, err := c.client.SMembers(ctx, c.setsKey(tms)).Result()
	if err != nil {
		return 0, fmt.Errorf("tiles: Redis SMEMBERS: %w", err)
	}
	type lookup struct {
		set string
		r   TileRange
		cmd *redis.StringSliceCmd
	}
	var lookups []lookup
	_, err = c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, set := range names {
			if !sets(set) {
				continue
			}
			for _, r := range ranges {
				cmd := p.ZRangeByScore(ctx, c.indexKey(tms, set, r.Z), &redis.ZRangeBy{
					Min: strconv.Itoa(r.MinX), Max: strconv.Itoa(r.MaxX),
				})
				lookups = append(lookups, lookup{set: set, r: r, cmd: cmd})
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tiles: Redis ZRANGEBYSCORE: %w", err)
	}

	var dels []*redis.IntCmd
	_, err = c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, l := range lookups {
			var keys []string
			var members []any
			for _, m := range l.cmd.Val() {
				xs, ys, ok := strings.Cut(m, ":")
				x, errX := strconv.Atoi(xs)
				y, errY := strconv.Atoi(ys)
				if !ok || errX != nil || errY != nil || !l.r.Contains(l.r.Z, x, y) {
					continue
				}
				keys = append(keys, c.tileKey(tms, l.set, l.r.Z, x, y))
				members = append(members, m)
			}
			if len(keys) == 0 {
				continue
			}
			dels = append(dels, p.Del(ctx, keys...))
			p.ZRem(ctx, c.indexKey(tms, l.set, l.r.Z), members...)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tiles: Redis DEL: %w", err)
	}
	removed := 0
	for _, d := range dels {
		removed += int(d.Val())
	}
	return removed, nil
}

// Clear implements Cache: it deletes every key under the prefix, found with SCAN.
func (c *RedisCache) Clear(ctx context.Context) error {
	iter := c.client.Scan(ctx, 0, globEscape(c.prefix)+"*", 1000).Iterator()
	batch := make([]string, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.client.Unlink(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return fmt.Errorf("tiles: clear Redis cache: %w", err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("tiles: clear Redis cache: %w", err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("tiles: clear Redis cache: %w", err)
	}
	return nil
}

// Close implements Cache.
func (c *RedisCache) Close() error { return c.client.Close() }

// globEscape escapes the characters that SCAN MATCH patterns give a meaning to.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
