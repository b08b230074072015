"""The import screen: preview exports, map columns, import in the background, batch history."""
