"""VisDrone-SOT (2018/2019 test-dev and val): ROOT/sequences/<seq>/img0000001.jpg, ROOT/annotations/<seq>.txt
(comma x,y,w,h) and ROOT/attributes/<seq>_attr.txt (12 comma-separated 0/1 flags)."""

from edgetrack.datasets.annotation_folder import AnnotationFolderDataset
from edgetrack.datasets.registry import register


@register("visdrone")
@register("visdrone_sot")
class VisDroneSOT(AnnotationFolderDataset):
    frame_dirs = ("sequences",)
    anno_dirs = ("annotations",)
    attribute_dirs = ("attributes",)
    attribute_pattern = "{name}_attr.txt"
    attribute_names = ("ARC", "BC", "CM", "FM", "FOC", "IV", "LR", "OV", "POC", "SOB", "SV", "VC")
