"""The XML-dump adapter: a read-only Source over a MediaWiki export."""
