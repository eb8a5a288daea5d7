package machine

import "runtime/metrics"

const heapMetric = "/memory/classes/heap/objects:bytes"

// HeapBytes returns the bytes of live and not yet swept heap objects now
// (runtime/metrics "/memory/classes/heap/objects:bytes"), without stopping
// the world. A run's peak is the largest of such samples.
func HeapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
