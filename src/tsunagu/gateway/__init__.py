"""Security-cloud change requests: policy versions, verification, review, release train."""
