public enum RoundsIngestModule {}
