"""UAVDT single-object benchmark (UAV-benchmark-S): ROOT/<frames>/<S0101>/img000001.jpg with <frames> one of
data_seq, sequences or UAV-benchmark-S, and ROOT/anno/<S0101>_gt.txt (comma x,y,w,h)."""

from edgetrack.datasets.annotation_folder import AnnotationFolderDataset
from edgetrack.datasets.registry import register


@register("uavdt")
class UAVDT(AnnotationFolderDataset):
    frame_dirs = ("data_seq", "sequences", "UAV-benchmark-S")
    anno_dirs = ("anno", "UAV-benchmark-SOT_v1.0/anno")
    anno_pattern = "{name}_gt.txt"
