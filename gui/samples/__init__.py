"""The shared-samples screen: suggested links between reports of one sample, independent samples."""
